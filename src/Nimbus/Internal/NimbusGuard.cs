using System.Collections.Concurrent;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using StormSharp.Cluster.Security;
using StormSharp.Runtime.Configuration;

namespace StormSharp.Nimbus.Internal;

/// <summary>What a call to Nimbus asks to do, for authorization.</summary>
internal enum NimbusAction
{
    /// <summary>Cluster summary, leader: any authenticated caller.</summary>
    ClusterInfo,

    /// <summary>Submit a topology: <c>nimbus.users</c> (every user when empty) and admins.</summary>
    Submit,

    /// <summary>Kill, activate, deactivate, rebalance: the owner, <c>topology.users</c>, admins.</summary>
    Modify,

    /// <summary>Info, config, errors, heartbeats, charts: also <c>topology.readonly.users</c>, <c>ui.users</c>, its workers.</summary>
    Look,

    /// <summary>The document and package: the owner, <c>topology.users</c>, admins, daemons, its workers.</summary>
    Download,

    /// <summary>A worker's heartbeat: that topology's workers and daemons.</summary>
    Heartbeat,

    /// <summary>Blob copies between Nimbus: daemons only.</summary>
    Blob,
}

/// <summary>
/// Authenticates every call to Nimbus (a gRPC interceptor) and authorizes it with Storm's keys: <c>nimbus.admins</c>
/// may do anything; a topology's owner and its <c>topology.users</c> may change it; <c>topology.readonly.users</c> and
/// <c>ui.users</c> may look at it; daemons of the cluster (holders of its secret) may do anything; a worker speaks for
/// its own topology only. A call without valid credentials ends UNAUTHENTICATED, one not allowed PERMISSION_DENIED;
/// both are logged with the caller and the action. With <c>storm.auth.scheme: none</c> every call is taken.
/// </summary>
internal sealed class NimbusGuard : Interceptor
{
    private const string IdentityKey = "storm.identity";

    private readonly SecurityOptions _security;
    private readonly X509Certificate2Collection? _authorities;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly HashSet<string> _admins;
    private readonly HashSet<string> _submitters;
    private readonly HashSet<string> _uiUsers;
    private readonly ConcurrentDictionary<string, DateTimeOffset> _logged = new(StringComparer.Ordinal);

    public NimbusGuard(SecurityOptions security, ILoggerFactory loggers, TimeProvider? time = null)
    {
        _security = security;
        _authorities = security.Scheme == AuthScheme.Certificate ? ClusterCredentials.Authorities(security) : null;
        _logger = loggers.CreateLogger("StormSharp.Nimbus.Security");
        _time = time ?? TimeProvider.System;
        _admins = new HashSet<string>(security.Admins, StringComparer.Ordinal);
        _submitters = new HashSet<string>(security.Users, StringComparer.Ordinal);
        _uiUsers = new HashSet<string>(security.UiUsers, StringComparer.Ordinal);
    }

    public bool Enabled => _security.Enabled;

    /// <summary>Who made the call; null when security is off.</summary>
    public static StormIdentity? Caller(ServerCallContext context) =>
        context.UserState.TryGetValue(IdentityKey, out var who) ? who as StormIdentity : null;

    /// <summary>
    /// Throws PERMISSION_DENIED unless the caller may do <paramref name="action"/>; for topology actions,
    /// <paramref name="topology"/> says who the topology lets in (null for actions on no topology).
    /// </summary>
    public void Authorize(ServerCallContext context, string call, NimbusAction action, TopologyAccess? topology)
    {
        if (!_security.Enabled)
        {
            return;
        }

        var who = Caller(context) ?? throw new RpcException(new Status(StatusCode.Unauthenticated, "the call was not authenticated"));
        if (Allows(who, action, topology))
        {
            return;
        }

        var what = topology is null ? call : $"{call} on topology '{topology.Name}' ({topology.Id})";
        _logger.LogWarning("Refused {Call} to {Caller} from {Peer}: not allowed", what, who, context.Peer);
        throw new RpcException(new Status(StatusCode.PermissionDenied, $"{who} may not {Describe(action)}" + (topology is null ? string.Empty : $" topology '{topology.Name}'")
            + (action == NimbusAction.Submit ? " (not in nimbus.users)" : action is NimbusAction.Modify or NimbusAction.Look or NimbusAction.Download ? $" (owner: {topology?.Owner}; ask them or a Nimbus admin to add you to topology.users)" : string.Empty)));
    }

    /// <summary>The principal a submit records as the topology's owner; null when security is off (the client's word is taken).</summary>
    public static string? OwnerOf(ServerCallContext context) => Caller(context) is { Kind: IdentityKind.User } u ? u.Principal : Caller(context)?.Principal;

    internal bool Allows(StormIdentity who, NimbusAction action, TopologyAccess? topology)
    {
        if (who.Kind == IdentityKind.Daemon)
        {
            return true;
        }

        if (who.Kind == IdentityKind.Worker)
        {
            return action switch
            {
                NimbusAction.ClusterInfo => true,
                NimbusAction.Look or NimbusAction.Download or NimbusAction.Heartbeat => topology is not null && topology.Id == who.TopologyId,
                _ => false,
            };
        }

        if (_admins.Contains(who.Principal))
        {
            return true;
        }

        var p = who.Principal;
        return action switch
        {
            NimbusAction.ClusterInfo => true,
            NimbusAction.Submit => _submitters.Count == 0 || _submitters.Contains(p),
            NimbusAction.Modify or NimbusAction.Download => topology is not null && (topology.Owner == p || topology.Users.Contains(p)),
            NimbusAction.Look => topology is not null && (topology.Owner == p || topology.Users.Contains(p) || topology.ReadOnlyUsers.Contains(p) || _uiUsers.Contains(p)),
            _ => false,
        };
    }

    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        Authenticate(context);
        return continuation(request, context);
    }

    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Authenticate(context);
        return continuation(requestStream, context);
    }

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Authenticate(context);
        return continuation(request, responseStream, context);
    }

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Authenticate(context);
        return continuation(requestStream, responseStream, context);
    }

    /// <summary>
    /// Middleware ahead of gRPC: a request without valid credentials is answered UNAUTHENTICATED (a trailers-only
    /// gRPC response) before gRPC reads its body, so a stranger's malformed message never reaches the deserializer,
    /// whose failures gRPC logs as errors with their stacks: one line of log per request for anyone who can connect.
    /// The identity found is kept for the interceptor.
    /// </summary>
    public Task AuthenticateRequestAsync(HttpContext http, RequestDelegate next)
    {
        if (!_security.Enabled)
        {
            return next(http);
        }

        if (TryAuthenticate(http.Request.Headers.Authorization.ToString(), http.Connection.ClientCertificate, out var identity, out var problem))
        {
            http.Items[IdentityKey] = identity;
            return next(http);
        }

        LogRefusal(http.Connection.RemoteIpAddress?.ToString() ?? "?", http.Request.Path.Value ?? "?", problem);
        http.Response.StatusCode = StatusCodes.Status200OK;
        http.Response.ContentType = "application/grpc";
        http.Response.Headers["grpc-status"] = ((int)StatusCode.Unauthenticated).ToString(System.Globalization.CultureInfo.InvariantCulture);
        http.Response.Headers["grpc-message"] = PercentEncode("Nimbus requires credentials: " + problem);
        return Task.CompletedTask;
    }

    private void Authenticate(ServerCallContext context)
    {
        if (!_security.Enabled)
        {
            return;
        }

        var http = context.GetHttpContext();
        if (http.Items.TryGetValue(IdentityKey, out var checkedAlready) && checkedAlready is StormIdentity known)
        {
            context.UserState[IdentityKey] = known;
            return;
        }

        if (TryAuthenticate(context.RequestHeaders.GetValue("authorization"), http.Connection.ClientCertificate, out var identity, out var problem))
        {
            context.UserState[IdentityKey] = identity!;
            return;
        }

        var host = context.Peer is { } peer && peer.LastIndexOf(':') is var colon and > 0 ? peer[..colon] : context.Peer ?? "?";
        LogRefusal(host, context.Method, problem);
        throw new RpcException(new Status(StatusCode.Unauthenticated, "Nimbus requires credentials: " + problem));
    }

    /// <summary>Checks a bearer token (the <c>authorization</c> header) or, with the certificate scheme, a client certificate.</summary>
    private bool TryAuthenticate(string? header, X509Certificate2? certificate, out StormIdentity? identity, out string problem)
    {
        identity = null;
        if (!string.IsNullOrEmpty(header))
        {
            const string bearer = "Bearer ";
            if (!header.StartsWith(bearer, StringComparison.OrdinalIgnoreCase))
            {
                problem = "the authorization header is not a bearer token";
                return false;
            }

            if (StormTokens.TryValidate(_security.Secret, header[bearer.Length..].Trim(), _time.GetUtcNow(), out identity, out var reason))
            {
                problem = string.Empty;
                return true;
            }

            problem = reason;
            return false;
        }

        if (_authorities is not null && certificate is not null)
        {
            if (TlsFiles.IssuedBy(certificate, _authorities, clientAuth: true, out var reason))
            {
                identity = new StormIdentity(TlsFiles.PrincipalOf(certificate), IdentityKind.User);
                problem = string.Empty;
                return true;
            }

            problem = $"the client certificate '{certificate.Subject}' is not one the cluster's CA issued for clients: {reason}";
            return false;
        }

        problem = _security.Scheme == AuthScheme.Certificate
            ? "no client certificate and no bearer token was presented"
            : "no bearer token was presented (set STORM_AUTH_TOKEN or storm.auth.token)";
        return false;
    }

    /// <summary>Logs an unauthenticated call, at most once a minute per peer and problem, so a flood cannot fill the log.</summary>
    private void LogRefusal(string host, string method, string problem)
    {
        var key = host + "|" + problem;
        var now = _time.GetUtcNow();
        if (_logged.TryGetValue(key, out var last) && now - last < TimeSpan.FromMinutes(1))
        {
            return;
        }

        if (_logged.Count > 10_000)
        {
            _logged.Clear();
        }

        _logged[key] = now;
        _logger.LogWarning("Refused {Method} from {Peer}: {Problem}", method, host, problem);
    }

    /// <summary>gRPC's encoding of <c>grpc-message</c>: bytes outside printable ASCII, and '%', as %XX of their UTF-8.</summary>
    private static string PercentEncode(string message)
    {
        var s = new System.Text.StringBuilder(message.Length);
        foreach (var b in System.Text.Encoding.UTF8.GetBytes(message))
        {
            if (b is >= 0x20 and <= 0x7E and not (byte)'%')
            {
                s.Append((char)b);
            }
            else
            {
                s.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return s.ToString();
    }

    private static string Describe(NimbusAction action) => action switch
    {
        NimbusAction.Submit => "submit topologies",
        NimbusAction.Modify => "kill, activate, deactivate or rebalance",
        NimbusAction.Look => "look at",
        NimbusAction.Download => "download",
        NimbusAction.Heartbeat => "send heartbeats for",
        NimbusAction.Blob => "copy blobs",
        _ => "call",
    };
}

/// <summary>Who a topology lets in: its owner and its config's <c>topology.users</c> and <c>topology.readonly.users</c>.</summary>
internal sealed record TopologyAccess(string Id, string Name, string Owner, IReadOnlySet<string> Users, IReadOnlySet<string> ReadOnlyUsers);
