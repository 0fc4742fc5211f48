using System.Security.Cryptography;
using StormSharp.Packaging.Internal;

namespace StormSharp.Packaging;

/// <summary>
/// Receives a package in chunks (as Nimbus gets it over a gRPC stream) into a temporary file, hashing and counting
/// as it goes, and verifies the whole at <see cref="Complete"/>. Disposing deletes the temporary file, whether the
/// upload completed or not, so a failed or abandoned upload leaves nothing behind; move the content elsewhere
/// (e.g. <see cref="LocalBlobStore.PutAsync"/>) before disposing.
/// </summary>
/// <remarks>Not thread-safe: one stream's chunks arrive in order on one reader.</remarks>
public sealed class PackageUpload : IDisposable, IAsyncDisposable
{
    private const string Prefix = "upload-";
    private const string Suffix = ".tmp";

    private readonly FileStream _file;
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly long _maxBytes;
    private UploadedPackage? _completed;
    private bool _disposed;

    /// <summary>Starts an upload into a new temporary file in <paramref name="directory"/> (created if missing).</summary>
    /// <param name="directory">Where the temporary file goes; the same file system as the blob store makes its put a cheap copy.</param>
    /// <param name="maxBytes">Largest package accepted; default <see cref="PackageLimits.MaxPackageBytes"/> of <see cref="PackageLimits.Default"/>.</param>
    public PackageUpload(string directory, long? maxBytes = null)
    {
        Directory.CreateDirectory(directory);
        _maxBytes = maxBytes ?? PackageLimits.Default.MaxPackageBytes;
        TempPath = Path.Combine(directory, Prefix + Guid.NewGuid().ToString("N") + Suffix);
        _file = new FileStream(TempPath, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Read, 81920, FileOptions.Asynchronous);
    }

    /// <summary>The temporary file.</summary>
    public string TempPath { get; }

    /// <summary>Bytes received so far.</summary>
    public long Length { get; private set; }

    /// <summary>
    /// Deletes upload files that a crash left in <paramref name="directory"/>; call at start-up, before any upload
    /// begins. Returns how many were removed.
    /// </summary>
    public static int RemoveLeftovers(string directory)
    {
        if (!Directory.Exists(directory))
        {
            return 0;
        }

        var removed = 0;
        foreach (var path in Directory.EnumerateFiles(directory, Prefix + "*" + Suffix))
        {
            File.Delete(path);
            removed++;
        }

        return removed;
    }

    /// <summary>Appends a chunk; throws <see cref="PackageException"/> once the package exceeds its limit.</summary>
    public async ValueTask WriteAsync(ReadOnlyMemory<byte> chunk, CancellationToken cancellationToken = default)
    {
        CheckWritable(chunk.Length);
        _hash.AppendData(chunk.Span);
        await _file.WriteAsync(chunk, cancellationToken).ConfigureAwait(false);
        Length += chunk.Length;
    }

    /// <summary>Appends a chunk; throws <see cref="PackageException"/> once the package exceeds its limit.</summary>
    public void Write(ReadOnlySpan<byte> chunk)
    {
        CheckWritable(chunk.Length);
        _hash.AppendData(chunk);
        _file.Write(chunk);
        Length += chunk.Length;
    }

    /// <summary>
    /// Ends the upload: flushes the file to disk and checks it against <paramref name="expectedSha256"/> (hex, either
    /// case) and, when given, <paramref name="expectedLength"/>; throws <see cref="PackageException"/> on a mismatch.
    /// </summary>
    public UploadedPackage Complete(string expectedSha256, long? expectedLength = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_completed is not null)
        {
            throw new InvalidOperationException("the upload is already complete");
        }

        if (!Sha256Hex.IsValid(expectedSha256))
        {
            throw new PackageException($"expected checksum '{expectedSha256}' is not a SHA-256 (64 hex digits)");
        }

        _file.Flush(flushToDisk: true);
        if (expectedLength is { } n && n != Length)
        {
            throw new PackageException($"the package is {Length} bytes; the client announced {n}");
        }

        var actual = Sha256Hex.Of(_hash);
        if (!Sha256Hex.Matches(actual, expectedSha256))
        {
            throw new PackageException($"checksum mismatch: the package received has SHA-256 {actual}, the client announced {expectedSha256.ToLowerInvariant()}");
        }

        _completed = new UploadedPackage(TempPath, Length, actual);
        return _completed;
    }

    /// <summary>Closes and deletes the temporary file.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _file.Dispose();
        _hash.Dispose();
        File.Delete(TempPath);
    }

    /// <summary>Closes and deletes the temporary file.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await _file.DisposeAsync().ConfigureAwait(false);
        _hash.Dispose();
        File.Delete(TempPath);
    }

    private void CheckWritable(int chunkLength)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_completed is not null)
        {
            throw new InvalidOperationException("the upload is already complete");
        }

        if (Length + chunkLength > _maxBytes)
        {
            throw new PackageException($"the package exceeds the limit of {_maxBytes} bytes");
        }
    }
}
