using StormSharp.Runtime.Configuration;

namespace StormSharp.Runtime.Tests;

public sealed class DaemonConfigTests
{
    private static readonly string Base = Path.Combine(Path.GetTempPath(), "stormsharp-home");

    [Fact]
    public void Defaults_HaveStormClusterKeysWithStormValues()
    {
        var d = ConfigLoader.Defaults;
        Assert.Equal(new List<object?> { "localhost" }, d["storm.zookeeper.servers"]);
        Assert.Equal(2181, d["storm.zookeeper.port"]);
        Assert.Equal("/storm", d["storm.zookeeper.root"]);
        Assert.Equal(20000, d["storm.zookeeper.session.timeout"]);
        Assert.Equal(15000, d["storm.zookeeper.connection.timeout"]);
        Assert.Equal("storm-local", d["storm.local.dir"]);
        Assert.Equal("logs", d["storm.log.dir"]);
        Assert.True(d.ContainsKey("storm.local.hostname"));
        Assert.Null(d["storm.local.hostname"]);
        Assert.Equal(new List<object?> { "localhost" }, d["nimbus.seeds"]);
        Assert.Equal(6627, d["nimbus.thrift.port"]);
        Assert.Equal(60, d["nimbus.supervisor.timeout.secs"]);
        Assert.Equal(30, d["nimbus.task.timeout.secs"]);
        Assert.Equal(10, d["nimbus.monitor.freq.secs"]);
        Assert.Equal(new List<object?> { 6700, 6701, 6702, 6703 }, d["supervisor.slots.ports"]);
        Assert.Equal(30, d["supervisor.worker.timeout.secs"]);
        Assert.Equal(120, d["supervisor.worker.start.timeout.secs"]);
        Assert.Equal(3, d["supervisor.monitor.frequency.secs"]);
        Assert.Equal(1, d["worker.heartbeat.frequency.secs"]);
        Assert.Equal(8080, d["ui.port"]);
        Assert.Equal(8000, d["logviewer.port"]);
        Assert.Equal("/tmp/dev-storm-zookeeper", d["dev.zookeeper.path"]);
        Assert.True(d.ContainsKey("storm.scheduler"));
        Assert.Null(d["storm.scheduler"]);
    }

    [Fact]
    public void ClusterOptions_FromDefaults_TypedAndResolvedAgainstBase()
    {
        var o = ClusterOptions.From(ConfigLoader.Defaults, Base);

        Assert.Equal(["localhost"], o.ZooKeeper.Servers);
        Assert.Equal("localhost:2181", o.ZooKeeper.ConnectionString);
        Assert.Equal("localhost:2181/storm", o.ZooKeeper.ChrootedConnectionString);
        Assert.Equal("/storm", o.ZooKeeper.Root);
        Assert.Equal(TimeSpan.FromSeconds(20), o.ZooKeeper.SessionTimeout);
        Assert.Equal(TimeSpan.FromSeconds(15), o.ZooKeeper.ConnectionTimeout);
        Assert.Equal(["localhost"], o.Nimbus.Seeds);
        Assert.Equal(6627, o.Nimbus.ApiPort);
        Assert.Equal(TimeSpan.FromSeconds(60), o.Nimbus.SupervisorTimeout);
        Assert.Equal(TimeSpan.FromSeconds(30), o.Nimbus.TaskTimeout);
        Assert.Equal(TimeSpan.FromSeconds(10), o.Nimbus.MonitorFrequency);
        Assert.Equal(SchedulerKind.Even, o.Nimbus.Scheduler);
        Assert.Equal(Path.Combine(Base, "storm-local"), o.Nimbus.LocalDir);
        Assert.Equal(Path.Combine(Base, "storm-local", "nimbus", "blobs"), o.Nimbus.BlobStoreDirectory);
        Assert.Equal([6700, 6701, 6702, 6703], o.Supervisor.SlotPorts);
        Assert.Equal(TimeSpan.FromSeconds(30), o.Supervisor.WorkerTimeout);
        Assert.Equal(TimeSpan.FromSeconds(120), o.Supervisor.WorkerStartTimeout);
        Assert.Equal(TimeSpan.FromSeconds(3), o.Supervisor.MonitorFrequency);
        Assert.Null(o.Supervisor.Hostname);
        Assert.Equal(Path.Combine(Base, "logs"), o.Supervisor.LogDir);
        Assert.Equal(Path.Combine(Base, "storm-local", "supervisor", "stormdist", "wc-1-17"), o.Supervisor.TopologyDirectory("wc-1-17"));
        Assert.Equal(TimeSpan.FromSeconds(1), o.Worker.HeartbeatFrequency);
        Assert.Equal(8080, o.UiPort);
        Assert.Equal(8000, o.LogviewerPort);
        Assert.Equal("/tmp/dev-storm-zookeeper", o.DevZooKeeperPath);
    }

    [Fact]
    public void ClusterOptions_StormYamlValues_OverrideDefaults()
    {
        var conf = ConfigLoader.Parse(new StringReader("""
            storm.zookeeper.servers: ["zk1", "zk2", "::1"]
            storm.zookeeper.port: 2182
            storm.local.dir: /var/storm
            storm.local.hostname: worker-7.example
            nimbus.thrift.port: "7000"
            supervisor.slots.ports: [7000, 7001]
            storm.scheduler: org.apache.storm.scheduler.EvenScheduler
            """));

        var o = ClusterOptions.From(conf, Base);

        Assert.Equal("zk1:2182,zk2:2182,[::1]:2182", o.ZooKeeper.ConnectionString);
        Assert.Equal("/var/storm", o.Nimbus.LocalDir);
        Assert.Equal("/var/storm", o.Supervisor.LocalDir);
        Assert.Equal("worker-7.example", o.Supervisor.Hostname);
        Assert.Equal(7000, o.Nimbus.ApiPort);
        Assert.Equal([7000, 7001], o.Supervisor.SlotPorts);
        Assert.Equal(SchedulerKind.Even, o.Nimbus.Scheduler);
        Assert.Equal(TimeSpan.FromSeconds(60), o.Nimbus.SupervisorTimeout);
    }

    [Fact]
    public void ClusterOptions_BadValues_OneExceptionListsEveryProblem()
    {
        var conf = new Dictionary<string, object?>(ConfigLoader.Defaults)
        {
            ["supervisor.slots.ports"] = new List<object?> { 6700, 70000 },
            ["nimbus.thrift.port"] = "abc",
            ["storm.scheduler"] = "fancy",
            ["storm.zookeeper.servers"] = new List<object?>(),
            ["storm.zookeeper.session.timeout"] = 0,
            ["storm.zookeeper.root"] = "storm",
            ["ui.port"] = null,
        };

        var e = Assert.Throws<ConfigurationException>(() => ClusterOptions.From(conf, Base));

        Assert.Equal(
        [
            "configuration 'storm.zookeeper.root' must be an absolute znode path such as '/storm', not 'storm'",
            "configuration 'storm.zookeeper.servers' must be a non-empty list of host names, not []",
            "configuration 'storm.zookeeper.session.timeout' must be at least 1, not 0",
            "configuration 'nimbus.thrift.port' must be an integer, not 'abc'",
            "configuration 'storm.scheduler' names an unknown scheduler 'fancy'; known: null or 'even' (the even scheduler)",
            "configuration 'supervisor.slots.ports' must be a list of ports 1-65535, not [6700, 70000]",
            "configuration 'ui.port' must be an integer, not null",
        ], e.Problems);
        foreach (var p in e.Problems)
        {
            Assert.Contains(p, e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void SupervisorOptions_DuplicateOrEmptySlots_Refused()
    {
        var dup = Assert.Throws<ConfigurationException>(() => SupervisorOptions.From(Conf("supervisor.slots.ports", new List<object?> { 6700, 6700 }), Base));
        Assert.Equal(["configuration 'supervisor.slots.ports' lists port 6700 more than once"], dup.Problems);

        var empty = Assert.Throws<ConfigurationException>(() => SupervisorOptions.From(Conf("supervisor.slots.ports", 6700), Base));
        Assert.Equal(["configuration 'supervisor.slots.ports' must be a non-empty list of ports 1-65535, not 6700"], empty.Problems);
    }

    [Fact]
    public void Options_PartialConfig_FallsBackToDefaultsYaml()
    {
        var o = NimbusOptions.From(Conf("nimbus.thrift.port", 7777), Base);
        Assert.Equal(7777, o.ApiPort);
        Assert.Equal(TimeSpan.FromSeconds((int)ConfigLoader.Defaults["nimbus.task.timeout.secs"]!), o.TaskTimeout);
    }

    [Fact]
    public void Options_LocalDirReadByTwoParts_ReportedOnce()
    {
        var e = Assert.Throws<ConfigurationException>(() => ClusterOptions.From(Conf("storm.local.dir", 5), Base));
        Assert.Equal(["configuration 'storm.local.dir' must be a non-empty string, not 5"], e.Problems);
    }

    [Fact]
    public void Options_RelativeBase_Refused()
    {
        var e = Assert.Throws<ArgumentException>(() => WorkerOptions.From(ConfigLoader.Defaults, "relative/home"));
        Assert.Contains("must be absolute, not 'relative/home'", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("storm.local.hostname", 5, "must be a host name or null, not 5")]
    [InlineData("storm.zookeeper.port", 0, "must be a port 1-65535, not 0")]
    [InlineData("worker.heartbeat.frequency.secs", 1.5, "must be an integer, not 1.5")]
    [InlineData("nimbus.monitor.freq.secs", -1, "must be at least 1, not -1")]
    public void ClusterOptions_BadScalar_NamesKey(string key, object value, string what)
    {
        var e = Assert.Throws<ConfigurationException>(() => ClusterOptions.From(Conf(key, value), Base));
        Assert.Equal([$"configuration '{key}' {what}"], e.Problems);
    }

    [Fact]
    public void ZooKeeperAuth_DigestWithUserAndPassword_ReadAndEveryMistakeNamed()
    {
        var on = new Dictionary<string, object?>(ConfigLoader.Defaults) { ["storm.zookeeper.auth.scheme"] = "digest", ["storm.zookeeper.auth.payload"] = "storm:s3cret" };
        Assert.Equal("storm:s3cret", ClusterOptions.From(on, Base).ZooKeeper.DigestAuth);
        Assert.Null(ClusterOptions.From(ConfigLoader.Defaults, Base).ZooKeeper.DigestAuth);

        Assert.Equal(
            ["configuration 'storm.zookeeper.auth.scheme' must be \"digest\" or null, not 'sasl'"],
            Assert.Throws<ConfigurationException>(() => ClusterOptions.From(Conf("storm.zookeeper.auth.scheme", "sasl"), Base)).Problems);
        Assert.Equal(
            ["configuration 'storm.zookeeper.auth.payload' must be user:password when storm.zookeeper.auth.scheme is digest"],
            Assert.Throws<ConfigurationException>(() => ClusterOptions.From(new Dictionary<string, object?>(on) { ["storm.zookeeper.auth.payload"] = "nopassword" }, Base)).Problems);
        Assert.Equal(
            ["configuration 'storm.zookeeper.auth.payload' is set but storm.zookeeper.auth.scheme is not; set the scheme to \"digest\" to use it"],
            Assert.Throws<ConfigurationException>(() => ClusterOptions.From(Conf("storm.zookeeper.auth.payload", "storm:s3cret"), Base)).Problems);
    }

    [Fact]
    public void Security_OffByDefault_AndEveryMistakeOfASecuredConfigNamed()
    {
        var off = ClusterOptions.From(ConfigLoader.Defaults, Base).Security;
        Assert.False(off.Enabled);
        Assert.False(off.Tls);
        off.RequireSecret();

        var secret = new string('s', 32);
        var on = SecurityOptions.From(new Dictionary<string, object?>(ConfigLoader.Defaults)
        {
            ["storm.auth.scheme"] = "token",
            ["storm.auth.secret"] = secret,
            ["nimbus.admins"] = new List<object?> { "ops" },
            ["ui.users"] = "viewer",
        }, Base);
        Assert.Equal(AuthScheme.Token, on.Scheme);
        Assert.Equal(secret, System.Text.Encoding.UTF8.GetString(on.Secret!));
        Assert.Equal(["ops"], on.Admins);
        Assert.Equal(["viewer"], on.UiUsers);
        Assert.Empty(on.Users);

        // A client (CLI, worker) may hold a token without the secret; a daemon may not.
        var client = SecurityOptions.From(Conf("storm.auth.scheme", "token"), Base);
        Assert.Null(client.Secret);
        Assert.Contains("storm.auth.secret", Assert.Throws<ConfigurationException>(client.RequireSecret).Message, StringComparison.Ordinal);

        var secretFile = Path.GetTempFileName();
        try
        {
            File.WriteAllText(secretFile, secret + "\nsecond line ignored\n");
            Assert.Equal(secret, System.Text.Encoding.UTF8.GetString(SecurityOptions.From(Conf("storm.auth.secret.file", secretFile), Base).Secret!));
            Assert.Equal(
                ["configuration 'storm.auth.secret' and storm.auth.secret.file are both set; set one"],
                Assert.Throws<ConfigurationException>(() => SecurityOptions.From(new Dictionary<string, object?> { ["storm.auth.secret"] = secret, ["storm.auth.secret.file"] = secretFile }, Base)).Problems);
        }
        finally
        {
            File.Delete(secretFile);
        }

        Assert.Equal(
            ["configuration 'storm.auth.scheme' must be \"none\", \"token\" or \"certificate\", not 'kerberos'"],
            Assert.Throws<ConfigurationException>(() => SecurityOptions.From(Conf("storm.auth.scheme", "kerberos"), Base)).Problems);
        Assert.Equal(
            ["configuration 'storm.auth.secret' must be at least 32 characters long, not 5"],
            Assert.Throws<ConfigurationException>(() => SecurityOptions.From(Conf("storm.auth.secret", "short"), Base)).Problems);
        Assert.Equal(
            ["configuration 'storm.tls.certificate.path' must name a file that exists, not 'no/such/cert.pem'"],
            Assert.Throws<ConfigurationException>(() => SecurityOptions.From(Conf("storm.tls.certificate.path", "no/such/cert.pem"), Base)).Problems);
        var certificateScheme = Assert.Throws<ConfigurationException>(() => SecurityOptions.From(new Dictionary<string, object?> { ["storm.auth.scheme"] = "certificate", ["storm.auth.secret"] = secret }, Base));
        Assert.Equal(2, certificateScheme.Problems.Count);
        Assert.Contains(certificateScheme.Problems, p => p.StartsWith("configuration 'storm.tls.certificate.path' must name the daemons' TLS certificate", StringComparison.Ordinal));
        Assert.Contains(certificateScheme.Problems, p => p.StartsWith("configuration 'storm.tls.ca.path' must name the CA", StringComparison.Ordinal));
        Assert.Equal(
            ["configuration 'nimbus.admins' must be a list of non-empty strings, not [1, 2]"],
            Assert.Throws<ConfigurationException>(() => SecurityOptions.From(Conf("nimbus.admins", new List<object?> { 1, 2 }), Base)).Problems);
    }

    [Fact]
    public void ParseAssignment_ValuesAreYamlTyped()
    {
        Assert.Equal(new KeyValuePair<string, object?>("topology.workers", 2), CommandLineConfig.ParseAssignment("topology.workers=2"));
        Assert.Equal(new List<object?> { "a", "b" }, CommandLineConfig.ParseAssignment("nimbus.seeds=[\"a\",\"b\"]").Value);
        Assert.Equal(new List<object?> { 6700, 6701 }, CommandLineConfig.ParseAssignment("supervisor.slots.ports=[6700, 6701]").Value);
        Assert.Equal("5", CommandLineConfig.ParseAssignment("x='5'").Value);
        Assert.Equal("hello", CommandLineConfig.ParseAssignment("x=hello").Value);
        Assert.Equal(true, CommandLineConfig.ParseAssignment("topology.debug=true").Value);
        Assert.Equal(0.5, CommandLineConfig.ParseAssignment("topology.stats.sample.rate=0.5").Value);
        Assert.Null(CommandLineConfig.ParseAssignment("topology.max.spout.pending=").Value);
        Assert.Equal("a=b", CommandLineConfig.ParseAssignment("x=a=b").Value);
    }

    [Theory]
    [InlineData("novalue", "-c 'novalue' must be key=value")]
    [InlineData("=5", "-c '=5' must start with a configuration key")]
    [InlineData("a b=5", "-c 'a b=5' must start with a configuration key")]
    [InlineData("nimbus.seeds=[\"a\",", "-c nimbus.seeds: the value is not valid YAML")]
    public void ParseAssignment_Malformed_Refused(string text, string message)
    {
        var e = Assert.Throws<FormatException>(() => CommandLineConfig.ParseAssignment(text));
        Assert.StartsWith(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_TakesConfigOptionsAnywhere_LeavesTheRest()
    {
        var c = CommandLineConfig.Parse(["-c", "topology.workers=2", "jar", "--config", "my.yaml", "Topo.dll", "-c", "topology.workers=3", "--", "-c", "mine"]);

        Assert.Equal("my.yaml", c.ConfigFile);
        Assert.Equal([new("topology.workers", 2), new("topology.workers", 3)], c.Overrides);
        Assert.Equal(["jar", "Topo.dll", "-c", "mine"], c.Arguments);
    }

    [Theory]
    [InlineData("-c", "option -c needs a key=value after it")]
    [InlineData("--config", "option --config needs a file after it")]
    public void Parse_OptionWithoutValue_Refused(string option, string message)
    {
        var e = Assert.Throws<FormatException>(() => CommandLineConfig.Parse(["jar", option]));
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void Load_ConfigFileThenOverrides_LaterWins()
    {
        var dir = Directory.CreateTempSubdirectory("stormsharp-conf-");
        try
        {
            var path = Path.Combine(dir.FullName, "cluster.yaml");
            File.WriteAllText(path, "nimbus.thrift.port: 7000\nui.port: 9090\n");
            var conf = CommandLineConfig.Parse(["--config", path, "-c", "nimbus.thrift.port=7001", "-c", "nimbus.seeds=[\"n1\",\"n2\"]", "nimbus"]).Load();

            var o = ClusterOptions.From(conf, Base);
            Assert.Equal(7001, o.Nimbus.ApiPort);
            Assert.Equal(9090, o.UiPort);
            Assert.Equal(["n1", "n2"], o.Nimbus.Seeds);
            Assert.Equal(6627, (int)ConfigLoader.Defaults["nimbus.thrift.port"]!);
        }
        finally
        {
            dir.Delete(true);
        }
    }

    [Fact]
    public void Load_MissingConfigFile_NamesIt()
    {
        var missing = Path.Combine(Path.GetTempPath(), "stormsharp-no-such-" + Guid.NewGuid().ToString("N") + ".yaml");
        var e = Assert.Throws<FileNotFoundException>(() => CommandLineConfig.Parse(["--config", missing]).Load());
        Assert.Contains($"'{missing}' given with --config does not exist", e.Message, StringComparison.Ordinal);
    }

    private static Dictionary<string, object?> Conf(string key, object? value) => new(StringComparer.Ordinal) { [key] = value };
}
