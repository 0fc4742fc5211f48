namespace StormSharp.ZooKeeper.Tests.Infrastructure;

/// <summary>
/// Expires a client's session from outside, as Apache's own tests do: open the same session from a
/// second client and close it. Repeated because the victim may win its session back by
/// reconnecting between the steal and the close.
/// </summary>
public static class SessionKiller
{
    public static async Task ExpireAsync(ZooKeeperClient victim, string connectionString, Task expiredSignal)
    {
        var id = victim.SessionId;
        var password = victim.SessionPassword;
        for (var attempt = 0; attempt < 10 && !expiredSignal.IsCompleted; attempt++)
        {
            try
            {
                var thief = await ZooKeeperClient.ConnectAsync(new ZooKeeperClientOptions
                {
                    ConnectionString = connectionString,
                    SessionTimeout = Clients.SessionTimeout,
                    SessionId = id,
                    SessionPassword = password,
                    ConnectTimeout = TimeSpan.FromSeconds(5),
                }).Within("stealing the session");
                await thief.CloseAsync().Within("closing the stolen session");
            }
            catch (KeeperException)
            {
                // Already expired, or the victim took it back mid-way: the signal or the next round tells.
            }

            await Task.WhenAny(expiredSignal, Task.Delay(1000));
        }

        await expiredSignal.Within("the victim to see its session expire");
    }
}
