namespace StormSharp.Packaging;

/// <summary>
/// Bounds on what a package may hold, checked while it is received and unpacked so that a hostile or broken
/// package cannot fill a disk. Sizes are in bytes of uncompressed content unless said otherwise.
/// </summary>
public sealed record PackageLimits
{
    /// <summary>The limits used when none are given.</summary>
    public static PackageLimits Default { get; } = new();

    /// <summary>Largest package (the zip itself, compressed) accepted from a client. Default 512 MiB.</summary>
    public long MaxPackageBytes { get; init; } = 512L * 1024 * 1024;

    /// <summary>Largest single file inside a package. Default 256 MiB.</summary>
    public long MaxFileBytes { get; init; } = 256L * 1024 * 1024;

    /// <summary>Largest sum of all files inside a package. Default 1 GiB.</summary>
    public long MaxTotalBytes { get; init; } = 1024L * 1024 * 1024;

    /// <summary>Most entries (files and folders) in a package. Default 10,000.</summary>
    public int MaxEntries { get; init; } = 10_000;
}
