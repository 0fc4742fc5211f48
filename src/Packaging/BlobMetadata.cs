namespace StormSharp.Packaging;

/// <summary>What <see cref="LocalBlobStore"/> records beside a blob.</summary>
/// <param name="Key">The blob's key.</param>
/// <param name="Size">Length in bytes.</param>
/// <param name="Sha256">SHA-256 of the content, 64 lower-case hex digits, computed while it was written.</param>
/// <param name="Created">When the put completed, UTC.</param>
public sealed record BlobMetadata(string Key, long Size, string Sha256, DateTimeOffset Created);
