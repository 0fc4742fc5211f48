using StormSharp.Runtime.Tuples;
using StormSharp.Topology;
using StormSharp.Topology.Windowing;

namespace StormSharp.Runtime.Tests.Windowing;

/// <summary>
/// The window manager driven directly with a seeded random stream of tuples and ticks, each window it fires checked
/// against a direct computation over the same input: its tuples, the new and expired ones against the window before,
/// and no tuple released while a later window still holds it. Then the same run cut by a snapshot and restored into a
/// fresh manager must fire exactly the same windows.
/// </summary>
public sealed class WindowManagerTests
{
    private static readonly StreamInfo Stream = new("source", "default", new Fields("id"), direct: false, index: 0);

    public static TheoryData<string, bool, int?, int?, int?, int?> Kinds => new()
    {
        // name, event time, length count, length ms, slide count, slide ms
        { "count sliding", false, 7, null, 3, null },
        { "count tumbling", false, 5, null, 5, null },
        { "count length, time slide", false, 6, null, null, 40 },
        { "time length, count slide", false, null, 100, 4, null },
        { "time sliding", false, null, 100, null, 30 },
        { "time tumbling", false, null, 50, null, 50 },
        { "event time sliding", true, null, 100, null, 30 },
        { "event time tumbling", true, null, 60, null, 60 },
        { "event time count sliding", true, 7, null, 3, null },
        { "event time, count length, time slide", true, 6, null, null, 40 },
    };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void EveryWindowMatchesTheDirectComputation(string kind, bool eventTime, int? lengthCount, int? lengthMs, int? slideCount, int? slideMs)
    {
        var settings = new WindowSettings(lengthCount, lengthMs, slideCount, slideMs, null, LagMs: eventTime ? 20 : 0, 1000, null);
        var run = Drive(settings, eventTime, seed: kind.Length, snapshotAt: null);

        Assert.True(run.Fires.Count >= 20, $"{kind}: only {run.Fires.Count} windows fired");
        long[] previous = [];
        var released = new HashSet<long>();
        var releasedBefore = 0;
        foreach (var fire in run.Fires)
        {
            var expected = Expected(run, settings, eventTime, fire);
            Assert.True(expected.SequenceEqual(fire.All), $"{kind}, window {fire.Number} ending at {fire.End}: expected [{string.Join(", ", expected)}], fired [{string.Join(", ", fire.All)}]");
            Assert.Equal(fire.All.Except(previous), fire.New);
            Assert.Equal(previous.Except(fire.All), fire.Expired);

            // Whatever was released before this window fired is in no part of it.
            for (; releasedBefore < run.Released.Count && run.Released[releasedBefore].BeforeFire <= fire.Number; releasedBefore++)
            {
                Assert.True(released.Add(run.Released[releasedBefore].Id), $"{kind}: tuple {run.Released[releasedBefore].Id} released twice");
            }

            Assert.DoesNotContain(fire.All, released.Contains);
            previous = fire.All;
        }
    }

    /// <summary>The kinds whose schedule a snapshot keeps: a processing-time slide starts its clock again on restore.</summary>
    public static TheoryData<string, bool, int?, int?, int?, int?> RestorableKinds
    {
        get
        {
            var kinds = new TheoryData<string, bool, int?, int?, int?, int?>();
            foreach (var row in Kinds)
            {
                if ((bool)row[1] || row[5] is null)
                {
                    kinds.Add((string)row[0], (bool)row[1], (int?)row[2], (int?)row[3], (int?)row[4], (int?)row[5]);
                }
            }

            return kinds;
        }
    }

    [Theory]
    [MemberData(nameof(RestorableKinds))]
    public void ASnapshotRestoredIntoAFreshManager_FiresTheSameWindowsAsTheRunWithoutIt(string kind, bool eventTime, int? lengthCount, int? lengthMs, int? slideCount, int? slideMs)
    {
        var settings = new WindowSettings(lengthCount, lengthMs, slideCount, slideMs, null, LagMs: eventTime ? 20 : 0, 1000, null);
        var straight = Drive(settings, eventTime, seed: 7 * kind.Length, snapshotAt: null);
        var cut = Drive(settings, eventTime, seed: 7 * kind.Length, snapshotAt: 250);

        Assert.Equal(straight.Fires.Count, cut.Fires.Count);
        for (var i = 0; i < straight.Fires.Count; i++)
        {
            Assert.Equal(straight.Fires[i].All, cut.Fires[i].All);
            Assert.Equal(straight.Fires[i].New, cut.Fires[i].New);
            Assert.Equal(straight.Fires[i].Expired, cut.Fires[i].Expired);
            Assert.Equal(straight.Fires[i].End, cut.Fires[i].End);
        }

        Assert.Equal(straight.Released.Select(r => r.Id), cut.Released.Select(r => r.Id));
    }

    /// <summary>The window ending at the fire's end, computed from the accepted input alone.</summary>
    private static long[] Expected(Run run, WindowSettings settings, bool eventTime, Fired fire)
    {
        // Candidates: everything accepted before the fire, by time then arrival (processing time: arrival order).
        var candidates = run.Accepted.Where(a => a.AcceptedBeforeFire <= fire.Number).ToList();
        if (eventTime)
        {
            candidates = candidates.OrderBy(a => a.Ts).ThenBy(a => a.Id).ToList();
        }

        IEnumerable<Input> inWindow = candidates.Where(a => a.Ts <= fire.End);
        if (settings.SlideCount is not null && !eventTime)
        {
            // A count slide fires at a tuple: the window is what came up to and with it.
            inWindow = candidates.Where(a => a.Id <= fire.AtId);
        }

        if (settings.LengthMs is { } length)
        {
            inWindow = inWindow.Where(a => a.Ts > fire.End - length);
        }

        var ids = inWindow.Select(a => a.Id).ToArray();
        return settings.LengthCount is { } count ? ids[Math.Max(0, ids.Length - count)..] : ids;
    }

    private static Run Drive(WindowSettings settings, bool eventTime, int seed, int? snapshotAt)
    {
        var random = new Random(seed);
        var run = new Run();
        var usedTs = new HashSet<long>();
        var now = 1_000_000L;
        var manager = NewManager(settings, eventTime, () => now);
        var released = new List<ITuple>();
        long lastId = -1;
        void Fire(TupleWindow w) => run.Fires.Add(new Fired(
            run.Fires.Count + 1,
            Ids(w.Get()),
            Ids(w.GetNew()),
            Ids(w.GetExpired()),
            w.EndTimestamp,
            lastId));
        void Collect()
        {
            foreach (var t in released)
            {
                run.Released.Add((t.GetLong(0), run.Fires.Count + 1));
            }

            released.Clear();
        }

        for (var step = 0; step < 600; step++)
        {
            if (snapshotAt == step)
            {
                var held = new List<(long Seq, ITuple Tuple)>();
                var snapshot = manager.Snapshot(held);
                var bySeq = held.ToDictionary(h => h.Seq, h => h.Tuple);
                manager = new WindowManager(settings, eventTime, () => now);
                manager.Start(now);
                if (eventTime)
                {
                    manager.ExpectInputTasks(2);
                }

                manager.Restore(snapshot, seq => bySeq[seq]);
            }

            now += random.Next(0, 12);
            if (random.Next(5) == 0)
            {
                manager.Tick(now, Fire, released);
                Collect();
                continue;
            }

            var id = ++lastId;
            var task = eventTime ? 1 + random.Next(2) : 1;
            var ts = now;
            if (eventTime)
            {
                // Out of order by up to 50 ms, and no two alike, so that "by time, then arrival" has one answer.
                ts = now - random.Next(0, 50);
                while (!usedTs.Add(ts))
                {
                    ts--;
                }
            }

            var tuple = new TupleImpl(Stream, new Values(id), task, 9);
            var nextFire = run.Fires.Count + 1; // a count slide can fire this very tuple's window
            if (manager.Add(tuple, ts, Fire, released))
            {
                run.Accepted.Add(new Input(id, ts, nextFire));
            }

            Collect();
        }

        return run;
    }

    private static WindowManager NewManager(WindowSettings settings, bool eventTime, Func<long> clock)
    {
        var manager = new WindowManager(settings, eventTime, clock);
        manager.Start(clock());
        if (eventTime)
        {
            manager.ExpectInputTasks(2);
        }

        return manager;
    }

    private static long[] Ids(IReadOnlyList<ITuple> tuples) => tuples.Select(t => t.GetLong(0)).ToArray();

    private sealed record Input(long Id, long Ts, int AcceptedBeforeFire);

    /// <summary>A fired window: its number (from 1), its tuples' ids, its end, and the id of the last tuple added when it fired.</summary>
    private sealed record Fired(int Number, long[] All, long[] New, long[] Expired, long End, long AtId);

    private sealed class Run
    {
        public List<Input> Accepted { get; } = [];

        public List<Fired> Fires { get; } = [];

        /// <summary>Each released tuple and the number of the first window fired after its release.</summary>
        public List<(long Id, int BeforeFire)> Released { get; } = [];
    }
}
