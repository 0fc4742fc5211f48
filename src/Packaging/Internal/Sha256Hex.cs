using System.Security.Cryptography;

namespace StormSharp.Packaging.Internal;

/// <summary>SHA-256 digests as the 64 lower-case hex digits that manifests, blob metadata and the wire carry.</summary>
internal static class Sha256Hex
{
    public const int Length = 64;

    public static string Of(IncrementalHash hash) => Convert.ToHexStringLower(hash.GetHashAndReset());

    public static string Of(Stream content)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[81920];
        int read;
        while ((read = content.Read(buffer)) > 0)
        {
            hash.AppendData(buffer, 0, read);
        }

        return Of(hash);
    }

    /// <summary>True when <paramref name="value"/> is 64 hex digits (either case).</summary>
    public static bool IsValid(string? value)
    {
        if (value is null || value.Length != Length)
        {
            return false;
        }

        foreach (var c in value)
        {
            if (!char.IsAsciiHexDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    public static bool Matches(string actual, string expected) => string.Equals(actual, expected, StringComparison.OrdinalIgnoreCase);
}
