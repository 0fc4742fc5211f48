using System.Globalization;
using StormSharp.Cluster.Security;
using StormSharp.Runtime.Configuration;

namespace StormSharp.Cli.Cluster;

/// <summary>
/// <c>storm auth-token USER [--expire-secs N]</c>: mints a bearer token for USER with the cluster's secret from
/// storm.yaml (<c>storm.auth.secret</c> or <c>storm.auth.secret.file</c>), for an administrator to hand out. The
/// token goes to stdout alone, so <c>export STORM_AUTH_TOKEN=$(storm auth-token alice)</c> works.
/// </summary>
internal static class AuthTokenCommand
{
    /// <summary>A token's life unless <c>--expire-secs</c> says otherwise: 7 days.</summary>
    internal const int DefaultExpireSecs = 7 * 24 * 3600;

    private const string Usage = "usage: storm auth-token USER [--expire-secs N]";

    public static int Run(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr)
    {
        CommandLineConfig cl;
        Dictionary<string, object?> conf;
        SecurityOptions security;
        try
        {
            cl = CommandLineConfig.Parse(args);
            conf = cl.Load();
            security = SecurityOptions.From(conf, Environment.CurrentDirectory);
        }
        catch (Exception e) when (e is FormatException or FileNotFoundException or ConfigurationException)
        {
            throw CliException.BadInput($"auth-token: {e.Message}");
        }

        string? user = null;
        var expire = DefaultExpireSecs;
        var rest = cl.Arguments;
        for (var i = 0; i < rest.Count; i++)
        {
            if (rest[i] == "--expire-secs")
            {
                if (i + 1 >= rest.Count || !int.TryParse(rest[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out expire) || expire < 1)
                {
                    throw CliException.Usage("auth-token: --expire-secs takes a whole number of seconds, at least 1", Usage);
                }

                i++;
            }
            else if (rest[i].StartsWith('-'))
            {
                throw CliException.Usage($"auth-token: unknown option '{rest[i]}'", Usage);
            }
            else if (user is null)
            {
                user = rest[i];
            }
            else
            {
                throw CliException.Usage($"auth-token: unexpected argument '{rest[i]}'", Usage);
            }
        }

        if (string.IsNullOrWhiteSpace(user) || user.Any(char.IsControl))
        {
            throw CliException.Usage("auth-token: name the user the token is for", Usage);
        }

        if (security.Secret is not { } secret)
        {
            throw CliException.BadInput("auth-token: no cluster secret to sign with: set storm.auth.secret or storm.auth.secret.file in storm.yaml (the same as the daemons')");
        }

        var expires = DateTimeOffset.UtcNow.AddSeconds(expire);
        stdout.WriteLine(StormTokens.Create(secret, user, IdentityKind.User, expires));
        stderr.WriteLine($"storm: token for '{user}', valid until {expires:u}");
        return ExitCodes.Ok;
    }
}
