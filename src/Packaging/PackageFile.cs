namespace StormSharp.Packaging;

/// <summary>One file of a package as its manifest lists it.</summary>
/// <param name="Path">Path inside the package, '/'-separated, relative to its root (e.g. <c>runtimes/linux-x64/native/libfoo.so</c>).</param>
/// <param name="Size">Length in bytes.</param>
/// <param name="Sha256">SHA-256 of the content, 64 lower-case hex digits.</param>
public sealed record PackageFile(string Path, long Size, string Sha256);
