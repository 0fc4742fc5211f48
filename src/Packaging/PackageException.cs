namespace StormSharp.Packaging;

/// <summary>
/// A topology package, or a blob of one, that cannot be accepted: an unsafe or malformed archive, content that does
/// not match its manifest or its checksum, a package over a size limit. The message says which entry and why.
/// </summary>
public sealed class PackageException : Exception
{
    /// <summary>Creates the exception with a message that names the problem.</summary>
    public PackageException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message that names the problem and the error behind it.</summary>
    public PackageException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
