using System.IO.Compression;
using System.Security.Cryptography;

namespace StormSharp.Packaging.Tests;

/// <summary>
/// Writes zips by hand, including the hostile ones the packer never makes, with a manifest that matches the
/// entries unless a test asks otherwise, so each test breaks exactly one rule.
/// </summary>
internal sealed class ZipBuilder
{
    private readonly List<(string Name, byte[] Content, int? UnixMode)> _entries = [];

    public string EntryAssembly { get; set; } = "Foo.dll";

    public ZipBuilder Add(string name, byte[] content, int? unixMode = null)
    {
        _entries.Add((name, content, unixMode));
        return this;
    }

    public ZipBuilder Add(string name, string content) => Add(name, System.Text.Encoding.UTF8.GetBytes(content));

    /// <summary>The manifest that lists every entry added (directories excluded) with its true size and hash.</summary>
    public PackageManifest TrueManifest() => new(
        EntryAssembly,
        "test",
        DateTimeOffset.UnixEpoch,
        _entries.Where(e => !e.Name.EndsWith('/')).Select(e => new PackageFile(e.Name, e.Content.Length, Convert.ToHexStringLower(SHA256.HashData(e.Content)))).ToList());

    public void Write(string path, PackageManifest? manifest = null, bool includeManifest = true)
    {
        using var file = File.Create(path);
        using var zip = new ZipArchive(file, ZipArchiveMode.Create);
        foreach (var (name, content, mode) in _entries)
        {
            var entry = zip.CreateEntry(name);
            if (mode is { } m)
            {
                entry.ExternalAttributes = m << 16;
            }

            using var s = entry.Open();
            s.Write(content);
        }

        if (includeManifest)
        {
            using var s = zip.CreateEntry(PackageManifest.EntryName).Open();
            s.Write((manifest ?? TrueManifest()).ToJson());
        }
    }
}
