using System.Diagnostics;
using System.Globalization;

namespace StormSharp.Benchmarks.ZooKeeper;

/// <summary>
/// The same workload through Apache's Java client from the same Debian package: a small program
/// compiled with javac at run time against the package's jars.
/// </summary>
internal static class JavaBaseline
{
    private const string Source = """
        import org.apache.zookeeper.*;
        import java.util.concurrent.*;
        import java.util.concurrent.atomic.*;

        public class ZkBench {
            public static void main(String[] a) throws Exception {
                String connect = a[0], path = a[1], mode = a[2];
                double warm = Double.parseDouble(a[3]), dur = Double.parseDouble(a[4]);
                int inflight = Integer.parseInt(a[5]), size = Integer.parseInt(a[6]);
                CountDownLatch connected = new CountDownLatch(1);
                ZooKeeper zk = new ZooKeeper(connect, 30000, e -> {
                    if (e.getState() == Watcher.Event.KeeperState.SyncConnected) connected.countDown();
                });
                connected.await();
                byte[] data = new byte[size];
                Semaphore slots = new Semaphore(inflight);
                AtomicLong done = new AtomicLong(), errors = new AtomicLong();
                AsyncCallback.DataCallback onData = (rc, p, ctx, d, st) -> {
                    if (rc != 0) errors.incrementAndGet();
                    done.incrementAndGet();
                    slots.release();
                };
                AsyncCallback.StatCallback onStat = (rc, p, ctx, st) -> {
                    if (rc != 0) errors.incrementAndGet();
                    done.incrementAndGet();
                    slots.release();
                };
                boolean get = mode.equals("get");
                long warmEnd = System.nanoTime() + (long) (warm * 1e9);
                long end = warmEnd + (long) (dur * 1e9);
                long start = 0, startCount = 0;
                boolean measuring = false;
                while (true) {
                    long now = System.nanoTime();
                    if (!measuring && now >= warmEnd) { measuring = true; start = now; startCount = done.get(); }
                    if (now >= end) break;
                    slots.acquire();
                    if (get) zk.getData(path, false, onData, null);
                    else zk.setData(path, data, -1, onStat, null);
                }
                long count = done.get() - startCount;
                double seconds = (System.nanoTime() - start) / 1e9;
                slots.acquire(inflight);
                System.out.println("ops_per_sec: " + (count / seconds));
                System.out.println("errors: " + errors.get());
                zk.close();
            }
        }
        """;

    public static async Task<string> CompileAsync()
    {
        var dir = Path.Combine(Path.GetTempPath(), "zk-bench-java-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(dir);
        await File.WriteAllTextAsync(Path.Combine(dir, "ZkBench.java"), Source);
        var (code, output) = await RunAsync("javac", ["-cp", ClassPath(null), "-d", dir, Path.Combine(dir, "ZkBench.java")]);
        if (code != 0)
        {
            throw new InvalidOperationException($"javac failed ({code}):\n{output}");
        }

        return dir;
    }

    public static async Task<double> RunAsync(string classDir, string connectionString, string path, string mode, double warmupSeconds, double seconds, int inFlight, int size)
    {
        var (code, output) = await RunAsync("java", [
            "-cp", ClassPath(classDir), "ZkBench", connectionString, path, mode,
            warmupSeconds.ToString(CultureInfo.InvariantCulture), seconds.ToString(CultureInfo.InvariantCulture),
            inFlight.ToString(CultureInfo.InvariantCulture), size.ToString(CultureInfo.InvariantCulture)]);
        var line = output.Split('\n').FirstOrDefault(l => l.StartsWith("ops_per_sec: ", StringComparison.Ordinal));
        if (code != 0 || line is null)
        {
            throw new InvalidOperationException($"Java benchmark failed ({code}):\n{output}");
        }

        var errors = output.Split('\n').FirstOrDefault(l => l.StartsWith("errors: ", StringComparison.Ordinal));
        if (errors is not null && errors.Trim() != "errors: 0")
        {
            throw new InvalidOperationException($"Java benchmark saw errors:\n{output}");
        }

        return double.Parse(line["ops_per_sec: ".Length..], CultureInfo.InvariantCulture);
    }

    private static string ClassPath(string? classDir)
    {
        // zookeeper.jar's manifest names the rest of its dependencies; slf4j-nop silences logging.
        var jars = $"{StandaloneServer.ZooKeeperJar}:/usr/share/java/zookeeper-jute.jar:/usr/share/java/slf4j-nop.jar";
        return classDir is null ? jars : $"{classDir}:{jars}";
    }

    private static async Task<(int Code, string Output)> RunAsync(string file, string[] args)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await p.WaitForExitAsync(cts.Token);
        return (p.ExitCode, await stdout + await stderr);
    }
}
