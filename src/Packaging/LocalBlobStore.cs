using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using StormSharp.Packaging.Internal;

namespace StormSharp.Packaging;

/// <summary>
/// Nimbus's store of topology packages on its local disk (<c>storm.local.dir/nimbus/blobs</c>): write-once blobs
/// under validated keys, each with its size, SHA-256 and creation time.
/// </summary>
/// <remarks>
/// Layout: one folder per blob, <c>KEY/data</c> and <c>KEY/meta.json</c>. A put writes both into a hidden
/// <c>.tmp-*</c> folder, flushes them to disk, then renames the folder to <c>KEY</c>: the rename is atomic, so a
/// key is either absent or complete, and two puts of one key cannot both win. A delete first renames the folder
/// to a hidden <c>.del-*</c> name (the key vanishes at once) and then removes it. Hidden folders left by a crash
/// are removed when a store is opened and never listed or served, so a new instance over the same folder sees
/// exactly the blobs whose puts completed. One process owns a store folder at a time (one Nimbus per
/// <c>storm.local.dir</c>); instances in one process may share it.
/// Blobs are immutable: replacing one is a delete and a put, as topology packages are never updated in place.
/// </remarks>
public sealed class LocalBlobStore
{
    /// <summary>Longest key accepted, in characters.</summary>
    public const int MaxKeyLength = 200;

    private const string DataFile = "data";
    private const string MetaFile = "meta.json";
    private const string TempPrefix = ".tmp-";
    private const string DeletePrefix = ".del-";

    private readonly TimeProvider _time;

    /// <summary>Opens (creating if needed) the store in <paramref name="directory"/> and removes leftovers of interrupted puts and deletes.</summary>
    /// <param name="directory">The store's folder.</param>
    /// <param name="time">Clock for creation times; default the system clock.</param>
    public LocalBlobStore(string directory, TimeProvider? time = null)
    {
        Root = Path.GetFullPath(directory);
        _time = time ?? TimeProvider.System;
        Directory.CreateDirectory(Root);
        foreach (var leftover in Directory.EnumerateDirectories(Root, ".*"))
        {
            var name = Path.GetFileName(leftover);
            if (name.StartsWith(TempPrefix, StringComparison.Ordinal) || name.StartsWith(DeletePrefix, StringComparison.Ordinal))
            {
                Directory.Delete(leftover, recursive: true);
            }
        }
    }

    /// <summary>The store's folder, absolute.</summary>
    public string Root { get; }

    /// <summary>
    /// Throws <see cref="ArgumentException"/> unless <paramref name="key"/> is 1 to <see cref="MaxKeyLength"/>
    /// characters of ASCII letters, digits, '.', '_' and '-', not starting with '.': a plain file name on every
    /// platform, which no path separator or '..' can turn into another place.
    /// </summary>
    public static void ValidateKey(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.Length is 0 or > MaxKeyLength)
        {
            throw new ArgumentException($"blob key '{key}' must be 1 to {MaxKeyLength} characters long", nameof(key));
        }

        if (key[0] == '.')
        {
            throw new ArgumentException($"blob key '{key}' must not start with '.'", nameof(key));
        }

        foreach (var c in key)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
            {
                throw new ArgumentException($"blob key '{key}' may hold only ASCII letters, digits, '.', '_' and '-', not '{c}'", nameof(key));
            }
        }
    }

    /// <summary>
    /// Stores <paramref name="content"/> (read to its end) under <paramref name="key"/>. Throws
    /// <see cref="InvalidOperationException"/> when the key exists, and <see cref="PackageException"/> when
    /// <paramref name="expectedSha256"/> is given and the content does not match it; nothing is stored then.
    /// </summary>
    public async Task<BlobMetadata> PutAsync(string key, Stream content, string? expectedSha256 = null, CancellationToken cancellationToken = default)
    {
        ValidateKey(key);
        ArgumentNullException.ThrowIfNull(content);
        if (expectedSha256 is not null && !Sha256Hex.IsValid(expectedSha256))
        {
            throw new ArgumentException($"expected checksum '{expectedSha256}' is not a SHA-256 (64 hex digits)", nameof(expectedSha256));
        }

        var final = Path.Combine(Root, key);
        if (Directory.Exists(final))
        {
            throw new InvalidOperationException($"blob '{key}' already exists");
        }

        var temp = Path.Combine(Root, TempPrefix + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(temp);
        try
        {
            long size = 0;
            string sha;
            using (var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
            {
                var output = new FileStream(Path.Combine(temp, DataFile), FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, FileOptions.Asynchronous);
                await using (output.ConfigureAwait(false))
                {
                    var buffer = new byte[81920];
                    int read;
                    while ((read = await content.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                    {
                        hash.AppendData(buffer, 0, read);
                        await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                        size += read;
                    }

                    output.Flush(flushToDisk: true);
                }

                sha = Sha256Hex.Of(hash);
            }

            if (expectedSha256 is not null && !Sha256Hex.Matches(sha, expectedSha256))
            {
                throw new PackageException($"blob '{key}' was not stored: its content has SHA-256 {sha}, expected {expectedSha256.ToLowerInvariant()}");
            }

            var meta = new BlobMetadata(key, size, sha, _time.GetUtcNow());
            using (var metaFile = new FileStream(Path.Combine(temp, MetaFile), FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                metaFile.Write(ToJson(meta));
                metaFile.Flush(flushToDisk: true);
            }

            try
            {
                Directory.Move(temp, final);
            }
            catch (IOException) when (Directory.Exists(final))
            {
                throw new InvalidOperationException($"blob '{key}' already exists");
            }

            return meta;
        }
        finally
        {
            if (Directory.Exists(temp))
            {
                Directory.Delete(temp, recursive: true);
            }
        }
    }

    /// <summary>Opens the blob's content for reading; throws <see cref="KeyNotFoundException"/> when there is none.</summary>
    /// <remarks>On Unix an open stream stays readable after its blob is deleted, so a delete never cuts off a download in progress.</remarks>
    public Stream OpenRead(string key)
    {
        ValidateKey(key);
        try
        {
            return new FileStream(Path.Combine(Root, key, DataFile), FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 81920, FileOptions.Asynchronous | FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new KeyNotFoundException($"blob '{key}' does not exist", e);
        }
    }

    /// <summary>The blob's metadata, or null when there is no such blob.</summary>
    public BlobMetadata? TryGetMetadata(string key)
    {
        ValidateKey(key);
        var path = Path.Combine(Root, key, MetaFile);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }

        return ParseMeta(key, bytes, path);
    }

    /// <summary>The blob's metadata; throws <see cref="KeyNotFoundException"/> when there is none.</summary>
    public BlobMetadata GetMetadata(string key) => TryGetMetadata(key) ?? throw new KeyNotFoundException($"blob '{key}' does not exist");

    /// <summary>Deletes the blob; returns false when there was none.</summary>
    public bool Delete(string key)
    {
        ValidateKey(key);
        var final = Path.Combine(Root, key);
        var doomed = Path.Combine(Root, DeletePrefix + Guid.NewGuid().ToString("N"));
        try
        {
            Directory.Move(final, doomed);
        }
        catch (DirectoryNotFoundException)
        {
            return false;
        }

        Directory.Delete(doomed, recursive: true);
        return true;
    }

    /// <summary>The keys of all stored blobs, sorted (ordinal).</summary>
    public IReadOnlyList<string> ListKeys()
    {
        var keys = new List<string>();
        foreach (var dir in Directory.EnumerateDirectories(Root))
        {
            var name = Path.GetFileName(dir);
            if (!name.StartsWith('.') && File.Exists(Path.Combine(dir, MetaFile)))
            {
                keys.Add(name);
            }
        }

        keys.Sort(StringComparer.Ordinal);
        return keys;
    }

    private static byte[] ToJson(BlobMetadata meta)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteNumber("size", meta.Size);
            w.WriteString("sha256", meta.Sha256);
            w.WriteString("created", meta.Created.ToString("O", CultureInfo.InvariantCulture));
            w.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private static BlobMetadata ParseMeta(string key, byte[] bytes, string path)
    {
        try
        {
            using var doc = JsonDocument.Parse(bytes);
            var root = doc.RootElement;
            var size = root.GetProperty("size").GetInt64();
            var sha = root.GetProperty("sha256").GetString();
            var created = DateTimeOffset.Parse(root.GetProperty("created").GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);
            if (size < 0 || !Sha256Hex.IsValid(sha))
            {
                throw new FormatException("size or sha256 out of range");
            }

            return new BlobMetadata(key, size, sha!, created);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"blob '{key}' has unreadable metadata in '{path}': {e.Message}", e);
        }
    }
}
