using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace StormSharp.Cluster.Security;

/// <summary>Loads and checks the PEM certificates of <c>storm.tls.*</c>.</summary>
public static class TlsFiles
{
    /// <summary>A certificate with its private key, from two PEM files. Throws <see cref="InvalidOperationException"/> naming the files when they do not load.</summary>
    public static X509Certificate2 LoadCertificate(string certificatePath, string keyPath)
    {
        try
        {
            return X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
        }
        catch (Exception e) when (e is CryptographicException or IOException or ArgumentException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"the TLS certificate '{certificatePath}' with key '{keyPath}' does not load: {e.Message}", e);
        }
    }

    /// <summary>Every certificate of a PEM file (a CA bundle). Throws <see cref="InvalidOperationException"/> naming the file when it holds none.</summary>
    public static X509Certificate2Collection LoadAuthorities(string path)
    {
        var all = new X509Certificate2Collection();
        try
        {
            all.ImportFromPemFile(path);
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"the CA file '{path}' does not load: {e.Message}", e);
        }

        if (all.Count == 0)
        {
            throw new InvalidOperationException($"the CA file '{path}' holds no PEM certificate");
        }

        return all;
    }

    /// <summary>
    /// Whether <paramref name="certificate"/> chains to one of <paramref name="authorities"/> (and to nothing else the
    /// system trusts), is within its validity dates, and, when <paramref name="clientAuth"/>, may authenticate clients.
    /// </summary>
    public static bool IssuedBy(X509Certificate2 certificate, X509Certificate2Collection authorities, bool clientAuth, out string reason)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (clientAuth)
        {
            chain.ChainPolicy.ApplicationPolicy.Add(new Oid("1.3.6.1.5.5.7.3.2"));
        }

        if (chain.Build(certificate))
        {
            reason = string.Empty;
            return true;
        }

        reason = string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct());
        if (reason.Length == 0)
        {
            reason = "it does not chain to the cluster's CA";
        }

        return false;
    }

    /// <summary>The principal a client certificate names: its subject's CN (else the whole subject).</summary>
    public static string PrincipalOf(X509Certificate2 certificate) =>
        certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false) is { Length: > 0 } cn ? cn : certificate.Subject;
}
