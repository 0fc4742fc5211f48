using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using StormSharp.Cluster.Security;
using StormSharp.Runtime.Configuration;

namespace StormSharp.Ui.Internal;

/// <summary>How the UI and the logviewer listen when <c>storm.tls.certificate.path</c> is set: TLS only, asking for a client certificate under the certificate scheme.</summary>
internal static class HttpsListen
{
    /// <summary>The certificate to serve with, or null for plain HTTP.</summary>
    public static X509Certificate2? Certificate(SecurityOptions security) =>
        security.Tls ? TlsFiles.LoadCertificate(security.TlsCertificatePath!, security.TlsKeyPath!) : null;

    public static void Configure(ListenOptions listen, SecurityOptions security, X509Certificate2? certificate)
    {
        if (certificate is null)
        {
            return;
        }

        listen.UseHttps(certificate, https =>
        {
            https.ClientCertificateMode = security.Scheme == AuthScheme.Certificate ? ClientCertificateMode.AllowCertificate : ClientCertificateMode.NoCertificate;
            https.AllowAnyClientCertificate();
        });
    }
}
