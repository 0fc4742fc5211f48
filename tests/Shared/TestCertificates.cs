using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace StormSharp.Tests.Shared;

/// <summary>
/// A throwaway CA and certificates it issues, written as PEM files into a folder of the test's: a server certificate
/// for localhost and 127.0.0.1, and client certificates whose CN is the principal. Made fresh per test run.
/// </summary>
internal sealed class TestCertificates : IDisposable
{
    private readonly X509Certificate2 _ca;

    public TestCertificates(string name = "StormSharp test CA")
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("stormsharp-certs-").FullName;
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        _ca = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        CaPath = Path.Combine(Directory, "ca.pem");
        File.WriteAllText(CaPath, _ca.ExportCertificatePem());
        (ServerCertificatePath, ServerKeyPath) = Issue("localhost", server: true);
    }

    /// <summary>A fresh CA with its server certificate.</summary>
    public static TestCertificates Create() => new();

    /// <summary>The folder holding every file; removed on dispose.</summary>
    public string Directory { get; }

    /// <summary>The CA's certificate (PEM).</summary>
    public string CaPath { get; }

    /// <summary>A server certificate for <c>localhost</c> and <c>127.0.0.1</c> (PEM).</summary>
    public string ServerCertificatePath { get; }

    /// <summary>Its private key (PEM).</summary>
    public string ServerKeyPath { get; }

    /// <summary>The server certificate (<see cref="ServerCertificatePath"/>), as <c>storm.tls.certificate.path</c> names it.</summary>
    public string CertificatePath => ServerCertificatePath;

    /// <summary>Its key, as <c>storm.tls.key.path</c> names it.</summary>
    public string KeyPath => ServerKeyPath;

    /// <summary>Issues a certificate for <paramref name="commonName"/>; a client certificate unless <paramref name="server"/>.</summary>
    public (string CertificatePath, string KeyPath) Issue(string commonName, bool server = false)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={commonName}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid(server ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2")], false));
        if (server)
        {
            var names = new SubjectAlternativeNameBuilder();
            names.AddDnsName("localhost");
            names.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(names.Build());
        }

        var serial = RandomNumberGenerator.GetBytes(12);
        using var issued = request.Create(_ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(10), serial);
        var stem = Path.Combine(Directory, commonName.Replace(' ', '-'));
        File.WriteAllText(stem + ".pem", issued.ExportCertificatePem());
        File.WriteAllText(stem + ".key", key.ExportPkcs8PrivateKeyPem());
        return (stem + ".pem", stem + ".key");
    }

    public void Dispose()
    {
        _ca.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still open by a server being stopped; the temp folder is cleaned by the OS.
        }
    }
}
