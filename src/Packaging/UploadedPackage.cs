namespace StormSharp.Packaging;

/// <summary>A package received in full and verified by <see cref="PackageUpload.Complete"/>.</summary>
/// <param name="Path">The temporary file holding it; deleted when the upload is disposed.</param>
/// <param name="Length">Length in bytes.</param>
/// <param name="Sha256">SHA-256 of the bytes, 64 lower-case hex digits.</param>
public sealed record UploadedPackage(string Path, long Length, string Sha256);
