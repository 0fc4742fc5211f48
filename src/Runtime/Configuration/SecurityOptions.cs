using System.Text;

namespace StormSharp.Runtime.Configuration;

/// <summary>How the cluster's clients prove who they are: <c>storm.auth.scheme</c>.</summary>
internal enum AuthScheme
{
    /// <summary>No authentication (a development cluster): every call is taken, and the daemons warn once at start.</summary>
    None,

    /// <summary>Bearer tokens signed with <c>storm.auth.secret</c>.</summary>
    Token,

    /// <summary>Client certificates issued by <c>storm.tls.ca.path</c> (the principal is the certificate's CN); tokens too.</summary>
    Certificate,
}

/// <summary>
/// The cluster's security settings, <c>storm.auth.*</c>, <c>storm.tls.*</c>, <c>nimbus.admins</c>, <c>nimbus.users</c>
/// and <c>ui.users</c>, validated together: a secured cluster with a missing secret or certificate does not start.
/// </summary>
internal sealed record SecurityOptions
{
    /// <summary>The shortest <c>storm.auth.secret</c> taken, in bytes: 256 bits for HMAC-SHA256.</summary>
    public const int MinSecretBytes = 32;

    /// <summary>The environment variable a client's bearer token may come from; it wins over <c>storm.auth.token</c>.</summary>
    public const string TokenEnvironmentVariable = "STORM_AUTH_TOKEN";

    public static readonly SecurityOptions Off = new()
    {
        Scheme = AuthScheme.None,
        Admins = [],
        Users = [],
        UiUsers = [],
    };

    public required AuthScheme Scheme { get; init; }

    /// <summary>The cluster's signing secret (UTF-8 bytes); null when <see cref="Scheme"/> is <see cref="AuthScheme.None"/>.</summary>
    public byte[]? Secret { get; init; }

    /// <summary><c>storm.auth.token</c>: the bearer token this client presents, if any (the environment's wins, see <see cref="ClientToken"/>).</summary>
    public string? Token { get; init; }

    /// <summary><c>storm.auth.worker.token</c>: in a worker's config, the token its supervisor minted for its topology.</summary>
    public string? WorkerToken { get; init; }

    /// <summary><c>storm.messaging.tls</c>: workers serve TLS on their slot ports and connect to each other with it.</summary>
    public bool MessagingTls { get; init; }

    public string? TlsCertificatePath { get; init; }

    public string? TlsKeyPath { get; init; }

    public string? TlsCaPath { get; init; }

    public string? ClientCertificatePath { get; init; }

    public string? ClientKeyPath { get; init; }

    /// <summary><c>nimbus.admins</c>.</summary>
    public required IReadOnlyList<string> Admins { get; init; }

    /// <summary><c>nimbus.users</c>: who may submit; empty means every authenticated principal.</summary>
    public required IReadOnlyList<string> Users { get; init; }

    /// <summary><c>ui.users</c>: who may look at every topology.</summary>
    public required IReadOnlyList<string> UiUsers { get; init; }

    /// <summary>Whether calls must carry valid credentials.</summary>
    public bool Enabled => Scheme != AuthScheme.None;

    /// <summary>Whether the daemons serve TLS (<c>storm.tls.certificate.path</c> is set) and clients connect with it.</summary>
    public bool Tls => TlsCertificatePath is not null;

    /// <summary>The token a client presents: <c>STORM_AUTH_TOKEN</c> when set, else <c>storm.auth.token</c>.</summary>
    public string? ClientToken => Environment.GetEnvironmentVariable(TokenEnvironmentVariable) is { Length: > 0 } env ? env.Trim() : Token;

    /// <summary>Where the client's token came from, for error messages.</summary>
    public string ClientTokenSource => Environment.GetEnvironmentVariable(TokenEnvironmentVariable) is { Length: > 0 }
        ? TokenEnvironmentVariable
        : Token is not null ? "storm.auth.token" : "nowhere (neither STORM_AUTH_TOKEN nor storm.auth.token is set)";

    /// <summary>Reads and validates; throws <see cref="ConfigurationException"/> listing every problem.</summary>
    public static SecurityOptions From(IReadOnlyDictionary<string, object?> conf, string baseDirectory)
    {
        var reader = new ConfigReader(conf, baseDirectory);
        var options = Read(reader);
        reader.ThrowIfProblems();
        return options;
    }

    internal static SecurityOptions Read(ConfigReader r)
    {
        var schemeText = r.OptionalString(ClusterKeys.AuthScheme) ?? "none";
        AuthScheme scheme;
        switch (schemeText)
        {
            case "none":
                scheme = AuthScheme.None;
                break;
            case "token":
                scheme = AuthScheme.Token;
                break;
            case "certificate":
                scheme = AuthScheme.Certificate;
                break;
            default:
                r.Problem(ClusterKeys.AuthScheme, $"must be \"none\", \"token\" or \"certificate\", not '{schemeText}'");
                scheme = AuthScheme.None;
                break;
        }

        var workerToken = r.OptionalString(ClusterKeys.AuthWorkerToken) is { Length: > 0 } w ? w : null;
        var secret = ReadSecret(r);
        var cert = r.OptionalFile(ClusterKeys.TlsCertificatePath);
        var key = r.OptionalFile(ClusterKeys.TlsKeyPath);
        var ca = r.OptionalFile(ClusterKeys.TlsCaPath);
        var clientCert = r.OptionalFile(ClusterKeys.TlsClientCertificatePath);
        var clientKey = r.OptionalFile(ClusterKeys.TlsClientKeyPath);
        if ((cert is null) != (key is null) && r.Problems.Count == 0)
        {
            r.Problem(cert is null ? ClusterKeys.TlsCertificatePath : ClusterKeys.TlsKeyPath, "must be set together with "
                + (cert is null ? ClusterKeys.TlsKeyPath : ClusterKeys.TlsCertificatePath) + " (a TLS certificate and its private key)");
        }

        if ((clientCert is null) != (clientKey is null) && r.Problems.Count == 0)
        {
            r.Problem(clientCert is null ? ClusterKeys.TlsClientCertificatePath : ClusterKeys.TlsClientKeyPath, "must be set together with "
                + (clientCert is null ? ClusterKeys.TlsClientKeyPath : ClusterKeys.TlsClientCertificatePath) + " (a client certificate and its private key)");
        }

        var messagingTls = r.Bool(ClusterKeys.MessagingTls);
        if (messagingTls && cert is null && r.Problems.Count == 0)
        {
            r.Problem(ClusterKeys.MessagingTls, $"is true, so workers serve TLS on their slot ports: {ClusterKeys.TlsCertificatePath} and {ClusterKeys.TlsKeyPath} must name their certificate and key");
        }

        if (scheme == AuthScheme.Certificate)
        {
            if (cert is null)
            {
                r.Problem(ClusterKeys.TlsCertificatePath, "must name the daemons' TLS certificate when storm.auth.scheme is certificate (client certificates travel only over TLS)");
            }

            if (ca is null)
            {
                r.Problem(ClusterKeys.TlsCaPath, "must name the CA that issues client certificates when storm.auth.scheme is certificate");
            }
        }

        return new SecurityOptions
        {
            Scheme = scheme,
            Secret = secret,
            Token = r.OptionalString(ClusterKeys.AuthToken) is { Length: > 0 } t ? t.Trim() : null,
            WorkerToken = workerToken,
            MessagingTls = messagingTls,
            TlsCertificatePath = cert,
            TlsKeyPath = key,
            TlsCaPath = ca,
            ClientCertificatePath = clientCert,
            ClientKeyPath = clientKey,
            Admins = r.Strings(ClusterKeys.NimbusAdmins),
            Users = r.Strings(ClusterKeys.NimbusUsers),
            UiUsers = r.Strings(ClusterKeys.UiUsers),
        };
    }

    /// <summary>
    /// What a daemon (Nimbus, supervisor, UI) checks at start: with security on it signs and checks tokens, so it must
    /// hold the secret. Clients (the CLI, workers) hold a token instead.
    /// </summary>
    public void RequireSecret()
    {
        if (Enabled && Secret is null)
        {
            throw new ConfigurationException([$"configuration '{ClusterKeys.AuthSecret}' must be set (or {ClusterKeys.AuthSecretFile}) on every daemon host when storm.auth.scheme is not none: the cluster signs and checks its tokens with it (at least {MinSecretBytes} characters)"]);
        }
    }

    private static byte[]? ReadSecret(ConfigReader r)
    {
        var inline = r.OptionalString(ClusterKeys.AuthSecret);
        var file = r.OptionalFile(ClusterKeys.AuthSecretFile);
        if (inline is not null && file is not null)
        {
            r.Problem(ClusterKeys.AuthSecret, "and storm.auth.secret.file are both set; set one");
            return null;
        }

        string? text = inline;
        if (file is not null)
        {
            try
            {
                text = File.ReadLines(file).FirstOrDefault()?.Trim();
            }
            catch (IOException e)
            {
                r.Problem(ClusterKeys.AuthSecretFile, $"names a file that cannot be read: {e.Message}");
                return null;
            }
            catch (UnauthorizedAccessException e)
            {
                r.Problem(ClusterKeys.AuthSecretFile, $"names a file that cannot be read: {e.Message}");
                return null;
            }
        }

        if (text is null)
        {
            return null;
        }

        var bytes = Encoding.UTF8.GetBytes(text);
        if (bytes.Length < MinSecretBytes)
        {
            r.Problem(file is null ? ClusterKeys.AuthSecret : ClusterKeys.AuthSecretFile, $"must be at least {MinSecretBytes} characters long, not {bytes.Length}");
            return null;
        }

        return bytes;
    }
}
