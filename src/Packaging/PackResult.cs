namespace StormSharp.Packaging;

/// <summary>What <see cref="TopologyPackage.Pack"/> wrote.</summary>
/// <param name="Manifest">The manifest stored in the package.</param>
/// <param name="Length">Length of the package in bytes.</param>
/// <param name="Sha256">SHA-256 of the package bytes, 64 lower-case hex digits: what Nimbus verifies on receipt.</param>
public sealed record PackResult(PackageManifest Manifest, long Length, string Sha256);
