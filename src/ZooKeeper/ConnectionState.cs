namespace StormSharp.ZooKeeper;

/// <summary>Connection-state changes, in the spirit of Curator's connection-state listener.</summary>
public enum ConnectionState
{
    /// <summary>The first session is established.</summary>
    Connected,

    /// <summary>
    /// The connection dropped; the session may still be alive and the client is reconnecting.
    /// Treat locks and leadership as uncertain until <see cref="Reconnected"/> or <see cref="Expired"/>.
    /// </summary>
    Disconnected,

    /// <summary>
    /// Connected again. If an <see cref="Expired"/> came before it this is a new session: re-create
    /// ephemeral nodes and watches; otherwise the same session continues with its nodes and watches.
    /// </summary>
    Reconnected,

    /// <summary>
    /// The session is gone (the server said so, or no server was reachable for a whole session
    /// timeout): ephemeral nodes and watches are lost. The client goes on to open a new session.
    /// </summary>
    Expired,

    /// <summary>The client was closed by its owner.</summary>
    Closed,
}
