using System.Globalization;
using System.Text.Json;
using StormSharp.Packaging.Internal;

namespace StormSharp.Packaging;

/// <summary>
/// What a package says about itself, stored in it as <see cref="EntryName"/>: the entry assembly, the StormSharp
/// version that packed it, when, and every file with its size and SHA-256. Unpacking checks the content against it.
/// </summary>
public sealed record PackageManifest
{
    /// <summary>Name of the manifest's entry at the root of the package.</summary>
    public const string EntryName = "stormsharp-package.json";

    /// <summary>The manifest format this library writes and reads.</summary>
    public const int CurrentFormat = 1;

    private const int MaxManifestBytes = 16 * 1024 * 1024;

    /// <summary>Creates a manifest.</summary>
    public PackageManifest(string entryAssembly, string stormSharpVersion, DateTimeOffset created, IReadOnlyList<PackageFile> files)
    {
        EntryAssembly = entryAssembly;
        StormSharpVersion = stormSharpVersion;
        Created = created;
        Files = files;
    }

    /// <summary>File name of the entry assembly at the package root (e.g. <c>WordCount.dll</c>).</summary>
    public string EntryAssembly { get; }

    /// <summary>Version of StormSharp (its Topology API) that packed the package.</summary>
    public string StormSharpVersion { get; }

    /// <summary>When the package was made, UTC.</summary>
    public DateTimeOffset Created { get; }

    /// <summary>Every file in the package except the manifest, ordered by path (ordinal).</summary>
    public IReadOnlyList<PackageFile> Files { get; }

    internal byte[] ToJson()
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteNumber("format", CurrentFormat);
            w.WriteString("entryAssembly", EntryAssembly);
            w.WriteString("stormSharpVersion", StormSharpVersion);
            w.WriteString("created", Created.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture));
            w.WriteStartArray("files");
            foreach (var f in Files)
            {
                w.WriteStartObject();
                w.WriteString("path", f.Path);
                w.WriteNumber("size", f.Size);
                w.WriteString("sha256", f.Sha256);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>Reads a manifest; throws <see cref="PackageException"/> saying which field is missing or wrong.</summary>
    internal static PackageManifest Parse(Stream json)
    {
        var bytes = ReadBounded(json);
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(bytes);
        }
        catch (JsonException e)
        {
            throw new PackageException($"the package's {EntryName} is not valid JSON: {e.Message}", e);
        }

        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw Bad("is not a JSON object");
            }

            var format = root.TryGetProperty("format", out var fe) && fe.TryGetInt32(out var fv) ? fv : throw Bad("has no 'format' number");
            if (format != CurrentFormat)
            {
                throw Bad($"has format {format}; this version of StormSharp reads format {CurrentFormat}");
            }

            var entry = RequireString(root, "entryAssembly");
            var version = RequireString(root, "stormSharpVersion");
            var createdText = RequireString(root, "created");
            if (!DateTimeOffset.TryParse(createdText, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var created))
            {
                throw Bad($"has a 'created' that is not a time: '{createdText}'");
            }

            if (!root.TryGetProperty("files", out var filesElement) || filesElement.ValueKind != JsonValueKind.Array)
            {
                throw Bad("has no 'files' list");
            }

            var files = new List<PackageFile>(filesElement.GetArrayLength());
            foreach (var f in filesElement.EnumerateArray())
            {
                if (f.ValueKind != JsonValueKind.Object)
                {
                    throw Bad("has a 'files' item that is not an object");
                }

                var path = RequireString(f, "path");
                var size = f.TryGetProperty("size", out var se) && se.TryGetInt64(out var sv) && sv >= 0 ? sv : throw Bad($"lists '{path}' without a valid 'size'");
                var sha = RequireString(f, "sha256");
                if (!Sha256Hex.IsValid(sha))
                {
                    throw Bad($"lists '{path}' with a 'sha256' that is not 64 hex digits");
                }

                files.Add(new PackageFile(path, size, sha.ToLowerInvariant()));
            }

            return new PackageManifest(entry, version, created, files);
        }
    }

    private static byte[] ReadBounded(Stream json)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = json.Read(chunk)) > 0)
        {
            if (buffer.Length + read > MaxManifestBytes)
            {
                throw Bad($"is larger than {MaxManifestBytes / (1024 * 1024)} MiB");
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private static string RequireString(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var e) && e.ValueKind == JsonValueKind.String && e.GetString() is { Length: > 0 } s
            ? s
            : throw Bad($"has no '{name}' string");

    private static PackageException Bad(string what) => new($"the package's {EntryName} {what}");
}
