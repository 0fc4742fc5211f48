using System.Text;
using StormSharp.ZooKeeper.Tests.Infrastructure;

namespace StormSharp.ZooKeeper.Tests;

[Collection(StandaloneCollection.Name)]
public sealed class OperationTests(StandaloneServerFixture server) : RootedClientTest(server, "ops")
{
    [Fact]
    public async Task CreateAsync_Persistent_NodeHasDataAndVersionZero()
    {
        var path = await Zk.CreateAsync(Root + "/a", B("hello"), Acls.OpenUnsafe).Within("create");
        Assert.Equal(Root + "/a", path);
        var node = await Zk.GetDataAsync(path).Within("getData");
        Assert.Equal("hello", Encoding.UTF8.GetString(node.Data));
        Assert.Equal(0, node.Stat.Version);
        Assert.Equal(5, node.Stat.DataLength);
        Assert.Equal(0, node.Stat.EphemeralOwner);
    }

    [Fact]
    public async Task CreateAsync_Sequential_AppendsIncreasingTenDigitCounter()
    {
        var first = await Zk.CreateAsync(Root + "/q-", B("1"), Acls.OpenUnsafe, CreateMode.PersistentSequential).Within("create seq 1");
        var second = await Zk.CreateAsync(Root + "/q-", B("2"), Acls.OpenUnsafe, CreateMode.PersistentSequential).Within("create seq 2");
        Assert.Matches(@"/q-\d{10}$", first);
        Assert.True(string.CompareOrdinal(first, second) < 0, $"{first} should sort before {second}");
    }

    [Fact]
    public async Task CreateAsync_EphemeralAndEphemeralSequential_OwnedBySession()
    {
        var e = await Zk.CreateAsync(Root + "/e", B("x"), Acls.OpenUnsafe, CreateMode.Ephemeral).Within("create ephemeral");
        var es = await Zk.CreateAsync(Root + "/es-", B("x"), Acls.OpenUnsafe, CreateMode.EphemeralSequential).Within("create ephemeral seq");
        Assert.Equal(Zk.SessionId, (await Zk.ExistsAsync(e).Within("exists e"))!.EphemeralOwner);
        Assert.Equal(Zk.SessionId, (await Zk.ExistsAsync(es).Within("exists es"))!.EphemeralOwner);
        Assert.Matches(@"/es-\d{10}$", es);
    }

    [Fact]
    public async Task CreateAsync_Existing_ThrowsNodeExists()
    {
        await Zk.CreateAsync(Root + "/dup", B("1"), Acls.OpenUnsafe).Within("create");
        var ex = await Assert.ThrowsAsync<NodeExistsException>(() => Zk.CreateAsync(Root + "/dup", B("2"), Acls.OpenUnsafe).AsTask()).Within("second create");
        Assert.Equal(ErrorCode.NodeExists, ex.Code);
        Assert.Equal(Root + "/dup", ex.Path);
    }

    [Fact]
    public async Task CreateAsync_MissingParent_ThrowsNoNode()
    {
        var ex = await Assert.ThrowsAsync<NoNodeException>(() => Zk.CreateAsync(Root + "/none/child", B("1"), Acls.OpenUnsafe).AsTask()).Within("create");
        Assert.Equal(ErrorCode.NoNode, ex.Code);
    }

    [Fact]
    public async Task CreateAsync_ChildOfEphemeral_ThrowsNoChildrenForEphemerals()
    {
        await Zk.CreateAsync(Root + "/eph", B("1"), Acls.OpenUnsafe, CreateMode.Ephemeral).Within("create ephemeral");
        var ex = await Assert.ThrowsAsync<NoChildrenForEphemeralsException>(() => Zk.CreateAsync(Root + "/eph/c", B("1"), Acls.OpenUnsafe).AsTask()).Within("create child");
        Assert.Equal(ErrorCode.NoChildrenForEphemerals, ex.Code);
    }

    [Fact]
    public async Task CreateWithParentsAsync_DeepPath_CreatesAncestors()
    {
        var path = await Zk.CreateWithParentsAsync(Root + "/x/y/z", B("deep"), Acls.OpenUnsafe).Within("create with parents");
        Assert.Equal(Root + "/x/y/z", path);
        Assert.NotNull(await Zk.ExistsAsync(Root + "/x/y").Within("exists parent"));
        Assert.Equal("deep", Encoding.UTF8.GetString((await Zk.GetDataAsync(path).Within("getData")).Data));

        // Again under the now-existing parents: only the leaf is new.
        await Zk.CreateWithParentsAsync(Root + "/x/y/w", B("w"), Acls.OpenUnsafe).Within("create sibling");
        Assert.Equal(2, (await Zk.GetChildrenAsync(Root + "/x/y").Within("children")).Children.Count);
    }

    [Fact]
    public async Task DeleteAsync_MatchingVersion_RemovesNode()
    {
        await Zk.CreateAsync(Root + "/d", B("1"), Acls.OpenUnsafe).Within("create");
        var stat = await Zk.SetDataAsync(Root + "/d", B("2")).Within("setData");
        await Zk.DeleteAsync(Root + "/d", stat.Version).Within("delete");
        Assert.Null(await Zk.ExistsAsync(Root + "/d").Within("exists"));
    }

    [Fact]
    public async Task DeleteAsync_WrongVersion_ThrowsBadVersion()
    {
        await Zk.CreateAsync(Root + "/d", B("1"), Acls.OpenUnsafe).Within("create");
        var ex = await Assert.ThrowsAsync<BadVersionException>(() => Zk.DeleteAsync(Root + "/d", 7).AsTask()).Within("delete");
        Assert.Equal(ErrorCode.BadVersion, ex.Code);
        Assert.NotNull(await Zk.ExistsAsync(Root + "/d").Within("exists"));
    }

    [Fact]
    public async Task DeleteAsync_WithChildren_ThrowsNotEmpty()
    {
        await Zk.CreateWithParentsAsync(Root + "/p/c", B("1"), Acls.OpenUnsafe).Within("create");
        var ex = await Assert.ThrowsAsync<NotEmptyException>(() => Zk.DeleteAsync(Root + "/p").AsTask()).Within("delete");
        Assert.Equal(ErrorCode.NotEmpty, ex.Code);
    }

    [Fact]
    public async Task DeleteAsync_Missing_ThrowsNoNode()
    {
        await Assert.ThrowsAsync<NoNodeException>(() => Zk.DeleteAsync(Root + "/missing").AsTask()).Within("delete");
    }

    [Fact]
    public async Task DeleteRecursiveAsync_Tree_RemovesEverything()
    {
        await Zk.CreateWithParentsAsync(Root + "/tree/a/b/c", B(""), Acls.OpenUnsafe).Within("create deep");
        await Zk.CreateWithParentsAsync(Root + "/tree/a/d", B(""), Acls.OpenUnsafe).Within("create sibling");
        await Zk.CreateAsync(Root + "/tree/e", B(""), Acls.OpenUnsafe).Within("create leaf");
        await Zk.DeleteRecursiveAsync(Root + "/tree").Within("delete tree");
        Assert.Null(await Zk.ExistsAsync(Root + "/tree").Within("exists"));
        await Zk.DeleteRecursiveAsync(Root + "/tree").Within("delete missing tree");
    }

    [Fact]
    public async Task ExistsAsync_Missing_ReturnsNull()
    {
        Assert.Null(await Zk.ExistsAsync(Root + "/missing").Within("exists"));
    }

    [Fact]
    public async Task GetDataAsync_Missing_ThrowsNoNode()
    {
        await Assert.ThrowsAsync<NoNodeException>(() => Zk.GetDataAsync(Root + "/missing").AsTask()).Within("getData");
    }

    [Fact]
    public async Task SetDataAsync_ConditionalUpdate_IncrementsVersionAndRejectsStale()
    {
        await Zk.CreateAsync(Root + "/v", B("0"), Acls.OpenUnsafe).Within("create");
        var s1 = await Zk.SetDataAsync(Root + "/v", B("1"), 0).Within("set v0");
        Assert.Equal(1, s1.Version);
        await Assert.ThrowsAsync<BadVersionException>(() => Zk.SetDataAsync(Root + "/v", B("x"), 0).AsTask()).Within("stale set");
        var node = await Zk.GetDataAsync(Root + "/v").Within("getData");
        Assert.Equal("1", Encoding.UTF8.GetString(node.Data));
        Assert.True(node.Stat.Mzxid > node.Stat.Czxid);
    }

    [Fact]
    public async Task SetDataAsync_Missing_ThrowsNoNode()
    {
        await Assert.ThrowsAsync<NoNodeException>(() => Zk.SetDataAsync(Root + "/missing", B("x")).AsTask()).Within("setData");
    }

    [Fact]
    public async Task SetDataAsync_TwoSessionsRacingOnVersion_ExactlyOneWinsEachRound()
    {
        var other = await Clients.ConnectAsync();
        await Zk.CreateAsync(Root + "/race", B("0"), Acls.OpenUnsafe).Within("create");

        // Both sessions increment a counter with read-modify-write; conditional updates must not lose any.
        async Task<int> Increment(ZooKeeperClient c, int times)
        {
            var conflicts = 0;
            for (var i = 0; i < times; i++)
            {
                while (true)
                {
                    var node = await c.GetDataAsync(Root + "/race");
                    var value = int.Parse(Encoding.UTF8.GetString(node.Data), System.Globalization.CultureInfo.InvariantCulture);
                    try
                    {
                        await c.SetDataAsync(Root + "/race", B((value + 1).ToString(System.Globalization.CultureInfo.InvariantCulture)), node.Stat.Version);
                        break;
                    }
                    catch (BadVersionException)
                    {
                        conflicts++;
                    }
                }
            }

            return conflicts;
        }

        var results = await Task.WhenAll(Increment(Zk, 50), Increment(other, 50)).Within("racing increments", TimeSpan.FromSeconds(30));
        var final = await Zk.GetDataAsync(Root + "/race").Within("final read");
        Assert.Equal("100", Encoding.UTF8.GetString(final.Data));
        Assert.Equal(100, final.Stat.Version);
        Assert.True(results.Sum() >= 0);
    }

    [Fact]
    public async Task GetChildrenAsync_WithStat_ListsNamesAndCounts()
    {
        await Zk.CreateAsync(Root + "/kids", B(""), Acls.OpenUnsafe).Within("create parent");
        foreach (var n in new[] { "a", "b", "c" })
        {
            await Zk.CreateAsync($"{Root}/kids/{n}", B(n), Acls.OpenUnsafe).Within("create child " + n);
        }

        var kids = await Zk.GetChildrenAsync(Root + "/kids").Within("getChildren");
        Assert.Equal(["a", "b", "c"], kids.Children.Order().ToArray());
        Assert.Equal(3, kids.Stat.NumChildren);
        Assert.Equal(3, kids.Stat.Cversion);
    }

    [Fact]
    public async Task GetChildrenAsync_Missing_ThrowsNoNode()
    {
        await Assert.ThrowsAsync<NoNodeException>(() => Zk.GetChildrenAsync(Root + "/missing").AsTask()).Within("getChildren");
    }

    [Fact]
    public async Task MultiAsync_AllSucceed_AppliesAtomically()
    {
        await Zk.CreateAsync(Root + "/m", B("0"), Acls.OpenUnsafe).Within("create");
        await Zk.CreateAsync(Root + "/gone", B("0"), Acls.OpenUnsafe).Within("create");
        var results = await Zk.MultiAsync(
        [
            Op.Check(Root + "/m", 0),
            Op.Create(Root + "/m/new", B("n"), Acls.OpenUnsafe),
            Op.SetData(Root + "/m", B("1"), 0),
            Op.Delete(Root + "/gone"),
        ]).Within("multi");

        Assert.IsType<OpResult.CheckResult>(results[0]);
        Assert.Equal(Root + "/m/new", Assert.IsType<OpResult.CreateResult>(results[1]).Path);
        Assert.Equal(1, Assert.IsType<OpResult.SetDataResult>(results[2]).Stat.Version);
        Assert.IsType<OpResult.DeleteResult>(results[3]);
        Assert.Null(await Zk.ExistsAsync(Root + "/gone").Within("exists"));
    }

    [Fact]
    public async Task MultiAsync_OneFails_NoneAppliedAndErrorNamesIt()
    {
        await Zk.CreateAsync(Root + "/m", B("0"), Acls.OpenUnsafe).Within("create");
        var ex = await Assert.ThrowsAsync<BadVersionException>(() => Zk.MultiAsync(
        [
            Op.Create(Root + "/m/new", B("n"), Acls.OpenUnsafe),
            Op.Check(Root + "/m", 5),
            Op.SetData(Root + "/m", B("1")),
        ]).AsTask()).Within("multi");

        Assert.Equal(Root + "/m", ex.Path);
        Assert.NotNull(ex.Results);
        Assert.Equal(
            [ErrorCode.Ok, ErrorCode.BadVersion, ErrorCode.RuntimeInconsistency],
            ex.Results!.Select(r => ((OpResult.ErrorResult)r).Code).ToArray());
        Assert.Null(await Zk.ExistsAsync(Root + "/m/new").Within("exists"));
        Assert.Equal(0, (await Zk.ExistsAsync(Root + "/m").Within("exists"))!.Version);
    }

    [Fact]
    public async Task SyncAsync_AfterWriteFromOtherSession_ReadSeesWrite()
    {
        var other = await Clients.ConnectAsync();
        await other.CreateAsync(Root + "/s", B("fresh"), Acls.OpenUnsafe).Within("create");
        await Zk.SyncAsync(Root + "/s").Within("sync");
        Assert.Equal("fresh", Encoding.UTF8.GetString((await Zk.GetDataAsync(Root + "/s").Within("getData")).Data));
    }

    [Fact]
    public async Task Chroot_PathsAreRelative_AndServerSeesPrefixed()
    {
        var rooted = await Clients.ConnectAsync(chroot: Root);
        var created = await rooted.CreateAsync("/inside", B("c"), Acls.OpenUnsafe).Within("create under chroot");
        Assert.Equal("/inside", created);
        Assert.NotNull(await Zk.ExistsAsync(Root + "/inside").Within("exists outside"));
        Assert.Contains("inside", (await rooted.GetChildrenAsync("/").Within("children of chroot root")).Children);
        var seq = await rooted.CreateAsync("/s-", B(""), Acls.OpenUnsafe, CreateMode.PersistentSequential).Within("seq under chroot");
        Assert.StartsWith("/s-", seq, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ManyConcurrentOperations_OneSession_AllCompleteCorrectly()
    {
        const int Count = 10_000;
        await Zk.CreateAsync(Root + "/many", B(""), Acls.OpenUnsafe).Within("create parent");
        var creates = Enumerable.Range(0, Count).Select(i => Zk.CreateAsync($"{Root}/many/n{i}", B(i.ToString(System.Globalization.CultureInfo.InvariantCulture)), Acls.OpenUnsafe).AsTask()).ToArray();
        await Task.WhenAll(creates).Within("10,000 creates", TimeSpan.FromSeconds(60));
        var reads = Enumerable.Range(0, Count).Select(i => Zk.GetDataAsync($"{Root}/many/n{i}").AsTask()).ToArray();
        var data = await Task.WhenAll(reads).Within("10,000 reads", TimeSpan.FromSeconds(60));
        for (var i = 0; i < Count; i++)
        {
            Assert.Equal(i.ToString(System.Globalization.CultureInfo.InvariantCulture), Encoding.UTF8.GetString(data[i].Data));
        }

        var children = await Zk.GetChildrenAsync(Root + "/many").Within("children");
        Assert.Equal(Count, children.Children.Count);
        Assert.Equal(Count, children.Stat.NumChildren);
    }

    [Fact]
    public async Task GetDataAsync_LargeNode_RoundTripsAcrossManyReads()
    {
        // Larger than the client's 64 KiB socket buffers in both directions.
        var big = new byte[900 * 1024];
        Random.Shared.NextBytes(big);
        await Zk.CreateAsync(Root + "/big", big, Acls.OpenUnsafe).Within("create 900 KiB node");
        var reads = Enumerable.Range(0, 8).Select(_ => Zk.GetDataAsync(Root + "/big").AsTask()).ToArray();
        foreach (var node in await Task.WhenAll(reads).Within("parallel reads of the big node"))
        {
            Assert.Equal(big, node.Data);
        }
    }

    [Fact]
    public async Task Chroot_Watch_ReportsClientPath()
    {
        var rooted = await Clients.ConnectAsync(chroot: Root);
        await rooted.CreateAsync("/w", B(""), Acls.OpenUnsafe).Within("create");
        var events = new Events<WatchedEvent>();
        await rooted.GetDataAsync("/w", events.Handler).Within("watch");
        await Zk.SetDataAsync(Root + "/w", B("x")).Within("set from outside the chroot");
        Assert.Equal("/w", (await events.NextAsync("watch under chroot")).Path);
    }

    [Fact]
    public async Task Acl_ReadOnly_RejectsWritesWithNoAuth()
    {
        await Zk.CreateAsync(Root + "/ro", B("r"), Acls.ReadUnsafe).Within("create");
        Assert.Equal("r", Encoding.UTF8.GetString((await Zk.GetDataAsync(Root + "/ro").Within("read")).Data));
        var ex = await Assert.ThrowsAsync<NoAuthException>(() => Zk.SetDataAsync(Root + "/ro", B("w")).AsTask()).Within("write");
        Assert.Equal(ErrorCode.NoAuth, ex.Code);
        var acl = await Zk.GetAclAsync(Root + "/ro").Within("getAcl");
        Assert.Equal(Acls.ReadUnsafe, acl.Acl);
    }

    [Fact]
    public async Task Acl_CreatorAllWithDigest_OnlyThatUserCanRead()
    {
        var owner = await Clients.ConnectAsync();
        await owner.AddAuthAsync("digest", "alice:secret").Within("addAuth alice");
        await owner.CreateAsync(Root + "/private", B("p"), Acls.CreatorAll).Within("create creator-all");

        var acl = await owner.GetAclAsync(Root + "/private").Within("getAcl");
        Assert.Equal(new Acl(Perms.All, "digest", Acls.DigestId("alice", "secret")), Assert.Single(acl.Acl));

        await Assert.ThrowsAsync<NoAuthException>(() => Zk.GetDataAsync(Root + "/private").AsTask()).Within("anonymous read");

        var stranger = await Clients.ConnectAsync();
        await stranger.AddAuthAsync("digest", "bob:other").Within("addAuth bob");
        await Assert.ThrowsAsync<NoAuthException>(() => stranger.GetDataAsync(Root + "/private").AsTask()).Within("bob read");

        var again = await Clients.ConnectAsync();
        await again.AddAuthAsync("digest", "alice:secret").Within("addAuth alice again");
        Assert.Equal("p", Encoding.UTF8.GetString((await again.GetDataAsync(Root + "/private").Within("alice read")).Data));
    }

    [Fact]
    public async Task SetAclAsync_ConditionalOnAclVersion_ChangesAclOnce()
    {
        await Zk.CreateAsync(Root + "/acl", B("a"), Acls.OpenUnsafe).Within("create");
        Acl[] readAdmin = [new Acl(Perms.Read | Perms.Admin, "world", "anyone")];
        var stat = await Zk.SetAclAsync(Root + "/acl", readAdmin, 0).Within("setAcl at version 0");
        Assert.Equal(1, stat.Aversion);
        await Assert.ThrowsAsync<BadVersionException>(() => Zk.SetAclAsync(Root + "/acl", Acls.OpenUnsafe, 0).AsTask()).Within("stale setAcl");
        Assert.Equal(readAdmin, (await Zk.GetAclAsync(Root + "/acl").Within("getAcl")).Acl);
        await Assert.ThrowsAsync<NoAuthException>(() => Zk.SetDataAsync(Root + "/acl", B("b")).AsTask()).Within("write to read-only node");
    }

    [Fact]
    public async Task AddAuthAsync_UnknownScheme_ThrowsAuthFailedAndSessionContinues()
    {
        var states = new Events<ConnectionState>();
        var client = await Clients.ConnectAsync(onState: states.Handler);
        var id = client.SessionId;
        var ex = await Assert.ThrowsAsync<AuthFailedException>(() => client.AddAuthAsync("no-such-scheme", "x").AsTask()).Within("addAuth");
        Assert.Equal(ErrorCode.AuthFailed, ex.Code);

        // The server hangs up after a failed auth; the session goes on over a new connection.
        await states.WaitForAsync(s => s == ConnectionState.Reconnected, "reconnect after the server hung up");
        Assert.NotNull(await client.ExistsAsync(Root).Within("request after failed auth"));
        Assert.Equal(id, client.SessionId);
    }

    [Fact]
    public async Task Acl_CreatorAllWithoutAuth_ThrowsInvalidAcl()
    {
        var ex = await Assert.ThrowsAsync<InvalidAclException>(() => Zk.CreateAsync(Root + "/bad", B(""), Acls.CreatorAll).AsTask()).Within("create");
        Assert.Equal(ErrorCode.InvalidAcl, ex.Code);
    }

    [Fact]
    public async Task AddAuthAsync_Reconnect_CredentialsResent()
    {
        var owner = await Clients.ConnectAsync();
        await owner.AddAuthAsync("digest", "carol:pw").Within("addAuth");
        await owner.CreateAsync(Root + "/carol", B("c"), Acls.CreatorAll).Within("create");
        var reconnected = new TaskCompletionSource();
        owner.ConnectionStateChanged += s =>
        {
            if (s == ConnectionState.Reconnected)
            {
                reconnected.TrySetResult();
            }
        };
        owner.SimulateConnectionLoss();
        await reconnected.Task.Within("reconnect");
        Assert.Equal("c", Encoding.UTF8.GetString((await owner.GetDataAsync(Root + "/carol").Within("read after reconnect")).Data));
    }

    [Fact]
    public async Task Request_CancelledToken_ThrowsOperationCanceled()
    {
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Zk.GetDataAsync(Root, cancellationToken: cts.Token).AsTask()).Within("cancelled getData");

        // The session is unaffected.
        Assert.NotNull(await Zk.ExistsAsync(Root).Within("exists"));
    }

    [Fact]
    public async Task Request_InvalidPath_ThrowsArgumentException()
    {
        Assert.Throws<ArgumentException>(() => { _ = Zk.GetDataAsync("relative"); });
        Assert.Throws<ArgumentException>(() => { _ = Zk.GetDataAsync("/a//b"); });
        Assert.Throws<ArgumentException>(() => { _ = Zk.GetDataAsync("/a/"); });
        await Task.CompletedTask;
    }
}
