using System.Diagnostics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using StormSharp.Runtime.Queues;
using StormSharp.Runtime.Routing;
using StormSharp.Runtime.Serialization;
using StormSharp.Runtime.Stats;
using StormSharp.Runtime.Tuples;
using StormSharp.Topology;

namespace StormSharp.Runtime.Execution;

/// <summary>
/// One or more tasks of one component, fed by one bounded receive queue. Each cycle drains the queue in batches, lets
/// spouts emit while their downstream has room, hands emitted tuples over in batches (flushed at the end of each
/// cycle, when a batch fills, or after <c>topology.flush.tuple.freq.millis</c>), and does the housekeeping (ticks,
/// timeouts, stats snapshots, load refresh). Cycles never overlap, so no task state is shared between threads.
/// <para>
/// By default an executor takes turns on the <see cref="ExecutorPool"/>'s threads: it runs while it has work, then
/// parks, and a producer that publishes to its queue (or the worker's <see cref="ExecutorTimer"/> at its next
/// deadline) schedules it again. So a worker uses as many threads as there are cores, not one per executor, and idle
/// executors cost nothing. With <c>topology.executor.dedicated.thread</c> set, or once its cycles are seen blocking, an executor runs
/// on a thread of its own, as in Storm, which suits bolts that wait on I/O.
/// </para>
/// </summary>
internal abstract class Executor : IPoolTurn
{
    private const int PollBatch = 256;
    private static readonly long HousekeepingTicks = Stopwatch.Frequency / 50;
    private static readonly long LoadRefreshTicks = Stopwatch.Frequency / 2;

    private const int SystemBatchPairs = 64;

    // Pooled executors: a turn on a pool thread lasts while cycles make progress, up to this long, then goes to the
    // back of the pool's queue so that other executors get their turn.
    private static readonly long TurnTicks = Stopwatch.Frequency / 5000;

    // A turn this long that used under a quarter of it on the CPU and gave the CPU up of its own accord (not preempted,
    // not suspended by a collection) waited on something: three of them within the window move the executor to a thread
    // of its own, where waiting holds up nobody else.
    private static readonly long BlockingCycleTicks = Stopwatch.Frequency / 100;
    private static readonly long BlockingWindowTicks = Stopwatch.Frequency * 10;
    private const int BlockingStrikes = 3;
    private static readonly long SlowTupleTicks = Stopwatch.Frequency / 50_000;

    private OutBatch?[] _out;
    private RoutingTable _routing;
    private readonly Dictionary<long, TupleImpl> _system = [];
    private readonly List<long> _systemDirty = [];
    private long _lastSystemKey = -1;
    private TupleImpl? _lastSystemBatch;
    private readonly List<OutBatch> _dirty = [];
    private readonly long _flushTicks;
    private readonly Dictionary<string, StreamRoute> _routes = new(StringComparer.Ordinal);
    private TupleCodec? _trialCodec;
    private PooledBufferWriter? _trialBuffer;
    private readonly List<Grouper> _allGroupers = [];
    private readonly TupleImpl?[] _buffer = new TupleImpl?[PollBatch];
    private int _next;
    private int _taken;
    private readonly ManualResetEventSlim _finished = new(false);
    private Thread? _thread;
    private ExecutorTimer? _timer;
    private ExecutorPool? _pool;
    private volatile bool _stopping;
    private volatile bool _onThread;
    private bool _started;
    private bool _initialized;
    private long _wakeAt = long.MaxValue;
    private int _strikes;
    private long _firstStrikeAt;
    private bool _probeCpu;
    private long _turns;
    private Action? _wakeOnRoom;
    private readonly int _timeOneIn;
    private readonly int[] _ackerTasks;
    private int _untilTimed = 1;
    private int _sinceTimed;
    private long _firstUnflushedAt;
    private long _nextHousekeeping;
    private long _nextLoadRefresh;
    private int _idle;
    private ulong _idState = (ulong)System.Security.Cryptography.RandomNumberGenerator.GetInt32(1, int.MaxValue) << 32 | (uint)Environment.TickCount64 | 1;
    private long _polled;
    private long _processed;
    private bool _backlog;
    private string? _lastStreamId;
    private StreamRoute? _lastRoute;

    protected Executor(WorkerRuntime runtime, string componentId, int[] taskIds, int index)
    {
        Runtime = runtime;
        ComponentId = componentId;
        TaskIds = taskIds;
        Index = index;
        var definition = runtime.Definition;
        Settings = definition.Settings;
        Services = runtime.Services;
        Queue = new ReceiveQueue(Settings.ReceiveBufferSize);
        Stats = new ExecutorStats(definition.StreamCount, Stopwatch.GetTimestamp());
        Random = new Random();
        _out = [];
        _routing = RoutingTable.Empty;
        _flushTicks = Math.Max(1, Settings.FlushMillis * Stopwatch.Frequency / 1000);
        Targets = new TaskList(definition.TaskCount + 1);
        Logger = Services.Logger;
        _timeOneIn = Configuration.ConfigValues.TimeOneIn(runtime.ComponentConf(componentId));
        Acking = definition.AckingEnabled;
        _ackerTasks = definition.AckerTasks;
        AckInitStream = definition.AckInitStream;
        AckAckStream = definition.AckAckStream;
        AckFailStream = definition.AckFailStream;
        AckResetStream = definition.AckResetStream;
    }

    /// <summary>The topology's engine settings.</summary>
    protected TopologySettings Settings { get; }

    /// <summary>The host's services: active status, errors, the log.</summary>
    protected TopologyServices Services { get; }

    // Read on every emit and ack: copied here once rather than followed through the runtime and the plan each time.
    protected bool Acking { get; }

    protected StreamInfo AckInitStream { get; }

    protected StreamInfo AckAckStream { get; }

    protected StreamInfo AckFailStream { get; }

    protected StreamInfo AckResetStream { get; }

    /// <summary>
    /// Whether emits are logged (<c>topology.debug</c>), captured (testing) or encoded on trial
    /// (<c>topology.testing.always.try.serialize</c>): fixed when the executor starts, so that an executor with none of
    /// them pays one branch per emit.
    /// </summary>
    protected bool ObserveEmits { get; private set; }

    /// <summary>The acker task that tracks <paramref name="root"/>.</summary>
    protected int AckerTaskFor(long root) =>
        _ackerTasks.Length == 1 ? _ackerTasks[0] : _ackerTasks[(int)((ulong)root % (ulong)_ackerTasks.Length)];

    /// <summary>
    /// Encodes on trial, logs and captures an emit, when <see cref="ObserveEmits"/>; called before the tuple goes out.
    /// Throws <see cref="InvalidOperationException"/> naming the component, stream and field when a value has no wire
    /// encoding and <c>topology.testing.always.try.serialize</c> is on.
    /// </summary>
    protected void Observe(int task, StreamInfo stream, IReadOnlyList<object?> values)
    {
        if (Settings.AlwaysTrySerialize)
        {
            TrySerialize(task, stream, values);
        }

        if (Settings.Debug)
        {
            Services.LogEmit(ComponentId, task, stream, values);
        }

        Services.Capture?.Invoke(ComponentId, stream.StreamId, values);
    }

    private void TrySerialize(int task, StreamInfo stream, IReadOnlyList<object?> values)
    {
        _trialCodec ??= new TupleCodec(Runtime.Definition.StreamTable, Runtime.Definition.Serializers);
        _trialBuffer ??= new PooledBufferWriter(1024);
        _trialBuffer.Reset();
        try
        {
            _trialCodec.WriteTuple(_trialBuffer, task, task, stream.StreamId, [], values);
        }
        catch (Exception e) when (e is NotSupportedException or InvalidOperationException or ArgumentException)
        {
            throw new InvalidOperationException(
                $"component '{ComponentId}' emitted a tuple no other worker could receive ({Config.TopologyTestingAlwaysTrySerialize} is on): {e.Message}", e);
        }
    }

    public WorkerRuntime Runtime { get; }

    public string ComponentId { get; }

    public int[] TaskIds { get; }

    public int Index { get; }

    public ReceiveQueue Queue { get; }

    public ExecutorStats Stats { get; }

    public abstract bool IsSpout { get; }

    /// <summary>Tuples this executor's windowed bolts hold now, or null when it runs none; read from any thread.</summary>
    public virtual long? HeldTuples => null;

    protected Random Random { get; }

    protected ILogger Logger { get; }

    /// <summary>
    /// The latest clock reading this executor took (at the start of each cycle, and at each timed tuple): good enough
    /// for flush intervals and time slices, and free, where reading the clock costs tens of nanoseconds.
    /// </summary>
    protected long LastNow { get; set; }

    /// <summary>The reused list emits return.</summary>
    protected TaskList Targets { get; }

    /// <summary>Whether tuples are waiting for room downstream.</summary>
    protected bool HasUnsent { get; private set; }

    /// <summary>Tuples taken from the queue, counted per batch before processing (read by other threads).</summary>
    public long Polled => Volatile.Read(ref _polled);

    /// <summary>Tuples processed, counted per batch after processing (read by other threads).</summary>
    public long Processed => Volatile.Read(ref _processed);

    /// <summary>Approximate, for other threads: whether emitted tuples wait in batches.</summary>
    public bool HasBacklog => Volatile.Read(ref _backlog);

    /// <summary>Turns taken on the pool so far (read by other threads): an idle executor takes a few per second.</summary>
    public long Turns => Volatile.Read(ref _turns);

    /// <summary>Whether this executor runs on a thread of its own rather than in turns on the executor pool.</summary>
    public bool OnOwnThread => _onThread;

    /// <summary>Pooled and parked: when the worker's timer should wake it (long.MaxValue: no deadline).</summary>
    public long WakeAt => Volatile.Read(ref _wakeAt);

    /// <summary>
    /// Starts running: on a thread of its own when <paramref name="timer"/> is null, otherwise in turns on
    /// <paramref name="pool"/>, with <paramref name="timer"/> waking it at its deadlines.
    /// </summary>
    public void Start(ExecutorTimer? timer, ExecutorPool pool)
    {
        _pool = pool;
        _started = true;
        ObserveEmits = Settings.Debug || Services.Capture is not null || Settings.AlwaysTrySerialize;
        AdoptRouting(Runtime.Routing);
        if (timer is null)
        {
            StartThread();
            return;
        }

        _timer = timer;
        Queue.UseScheduler(Schedule);
        _pool!.Schedule(this);
    }

    /// <summary>Stops the loop, waits for the task's Close/Cleanup, and returns false if it did not finish in time.</summary>
    public bool Stop(TimeSpan timeout)
    {
        _stopping = true;
        Queue.Wake();
        return !_started || _finished.Wait(timeout);
    }

    /// <summary>Wakes the executor to notice a command (activate, deactivate).</summary>
    public void Wake() => Queue.Wake();

    /// <summary>From the timer: the deadline <paramref name="at"/> has passed.</summary>
    public void DeadlinePassed(long at)
    {
        if (Interlocked.CompareExchange(ref _wakeAt, long.MaxValue, at) == at)
        {
            Queue.Wake();
        }
    }

    public void AddRoute(string streamId, StreamRoute route)
    {
        _routes[streamId] = route;
        _allGroupers.AddRange(route.Groupers);
    }

    protected abstract void Init();

    /// <summary>Handles one received tuple, calls <see cref="FlushIfDue"/> with a timestamp it already has, and returns the last timestamp it read.</summary>
    protected abstract long Process(TupleImpl tuple);

    /// <summary>Spouts: call NextTuple while there is room; returns whether anything was emitted.</summary>
    protected virtual bool Produce() => false;

    protected abstract void Housekeeping(long now);

    protected abstract void Shutdown();

    /// <summary>
    /// Whether to time the next tuple: one in <c>1 / topology.stats.sample.rate</c>, and every one after a timed tuple
    /// took over 20 us (the clock is cheap next to such a tuple, and slices and flushes then keep to time).
    /// </summary>
    protected bool TimeNext()
    {
        _sinceTimed++;
        if (--_untilTimed > 0)
        {
            return false;
        }

        _untilTimed = _timeOneIn;
        Represents = _sinceTimed;
        _sinceTimed = 0;
        return true;
    }

    /// <summary>How many tuples the last timed one stands for: itself and those since the previous timed one.</summary>
    protected int Represents { get; private set; } = 1;

    /// <summary>Reports how long a timed tuple took, and keeps timing every tuple while they are slow.</summary>
    protected void Timed(long ticks)
    {
        if (ticks > SlowTupleTicks)
        {
            _untilTimed = 1;
        }
    }

    /// <summary>Random non-zero 64-bit id for ack trees.</summary>
    protected long NextId()
    {
        // xorshift64*: two ids per acked edge make this hot; it needs spread, not secrecy. Never zero.
        var x = _idState;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        _idState = x;
        var id = (long)(x * 0x2545F4914F6CDD1DUL);
        return id != 0 ? id : 1;
    }

    /// <summary>The route of a stream this component emits; throws naming the stream when it is not declared.</summary>
    protected StreamRoute RouteOf(string streamId)
    {
        if (ReferenceEquals(streamId, _lastStreamId))
        {
            return _lastRoute!;
        }

        if (!_routes.TryGetValue(streamId, out var route))
        {
            throw new ArgumentException($"component '{ComponentId}' emitted on stream '{streamId}', which it does not declare");
        }

        _lastStreamId = streamId;
        _lastRoute = route;
        return route;
    }

    /// <summary>Fills <see cref="Targets"/> with the tasks that receive <paramref name="values"/> on <paramref name="route"/>.</summary>
    protected void Choose(StreamRoute route, int sourceTask, IReadOnlyList<object?> values)
    {
        if (values.Count != route.Stream.Fields.Count)
        {
            throw new ArgumentException(
                $"component '{ComponentId}' emitted {values.Count} values on stream '{route.Stream.StreamId}', which declares {route.Stream.Fields.Count} fields {route.Stream.Fields}");
        }

        if (route.Stream.Direct)
        {
            throw new InvalidOperationException(
                $"component '{ComponentId}' used Emit on direct stream '{route.Stream.StreamId}': use EmitDirect with a task id");
        }

        var buffer = Targets.Buffer;
        var groupers = route.Groupers;
        if (groupers.Length == 1)
        {
            // One subscriber, the common case: it writes straight into the target list (sized for every task).
            Targets.Count = groupers[0].Choose(sourceTask, values, buffer);
            return;
        }

        var scratch = route.Scratch;
        var count = 0;
        for (var g = 0; g < groupers.Length; g++)
        {
            var n = groupers[g].Choose(sourceTask, values, scratch);
            for (var i = 0; i < n; i++)
            {
                buffer[count++] = scratch[i];
            }
        }

        Targets.Count = count;
    }

    /// <summary>Checks an EmitDirect and fills <see cref="Targets"/> with the one task.</summary>
    protected void ChooseDirect(StreamRoute route, int taskId, IReadOnlyList<object?> values)
    {
        if (!route.Stream.Direct)
        {
            throw new InvalidOperationException(
                $"component '{ComponentId}' used EmitDirect on stream '{route.Stream.StreamId}', which is not declared direct");
        }

        if (values.Count != route.Stream.Fields.Count)
        {
            throw new ArgumentException(
                $"component '{ComponentId}' emitted {values.Count} values on stream '{route.Stream.StreamId}', which declares {route.Stream.Fields.Count} fields {route.Stream.Fields}");
        }

        if (!route.DirectTargets.Contains(taskId))
        {
            throw new ArgumentException(
                $"component '{ComponentId}' emitted directly to task {taskId}, which does not subscribe to its direct stream '{route.Stream.StreamId}'");
        }

        Targets.Buffer[0] = taskId;
        Targets.Count = 1;
    }

    /// <summary>
    /// Queues one acker message, (root, value) on <paramref name="stream"/> from <paramref name="sourceTask"/> to
    /// <paramref name="destTask"/>. Messages to the same task on the same stream share one tuple until the next flush
    /// (or 64 pairs): acking costs a message per batch instead of one per tuple, and the XOR algebra does not care.
    /// Consecutive acks of the same root merge into one pair.
    /// </summary>
    protected void SendSystem(StreamInfo stream, int sourceTask, int destTask, long root, long value)
    {
        var key = ((long)destTask << 24) | ((long)stream.Index << 12) | (uint)(sourceTask & 0xfff);
        var batch = _lastSystemBatch;
        if (key != _lastSystemKey || batch is null)
        {
            if (!_system.TryGetValue(key, out batch) || batch.SourceTask != sourceTask)
            {
                if (batch is not null)
                {
                    Deliver(batch);
                }

                batch = new TupleImpl(stream, [], sourceTask, destTask);
                _system[key] = batch;
                if (_systemDirty.Count == 0 && _dirty.Count == 0)
                {
                    _firstUnflushedAt = LastNow;
                }

                _systemDirty.Add(key);
            }

            _lastSystemKey = key;
            _lastSystemBatch = batch;
        }

        if (stream == AckAckStream && batch.TryMergeLast(root, value))
        {
            return;
        }

        batch.AppendPair(root, value);
        if (batch.AnchorCount >= SystemBatchPairs)
        {
            _system.Remove(key);
            _systemDirty.Remove(key);
            _lastSystemBatch = null;
            Deliver(batch);
        }
    }

    /// <summary>Queues a tuple for its destination task's executor.</summary>
    protected void Deliver(TupleImpl tuple)
    {
        var routing = _routing;
        var sink = (tuple.Stream.Acking ? routing.AckingSinkOfTask : routing.DataSinkOfTask)[tuple.DestTask];
        var batch = _out[sink];
        if (batch is null)
        {
            _out[sink] = batch = new OutBatch(routing.Sinks[sink], routing.BatchSizes[sink]);
        }

        if (!batch.Listed)
        {
            if (_dirty.Count == 0)
            {
                _firstUnflushedAt = LastNow;
            }

            batch.Listed = true;
            _dirty.Add(batch);
        }

        if (batch.Add(tuple) && !HasUnsent && !batch.Flush())
        {
            HasUnsent = true;
        }
    }

    /// <summary>Flushes partial batches once they are older than the flush interval.</summary>
    protected void FlushIfDue(long now)
    {
        if ((_dirty.Count > 0 || _systemDirty.Count > 0) && now - _firstUnflushedAt >= _flushTicks)
        {
            FlushAll();
        }
    }

    /// <summary>Hands every batch over; returns true when all went.</summary>
    protected bool FlushAll()
    {
        if (_systemDirty.Count > 0)
        {
            _lastSystemBatch = null;
            foreach (var key in _systemDirty)
            {
                if (_system.Remove(key, out var batch))
                {
                    Deliver(batch);
                }
            }

            _systemDirty.Clear();
        }

        var all = true;
        for (var i = _dirty.Count - 1; i >= 0; i--)
        {
            if (_dirty[i].Flush())
            {
                _dirty[i].Listed = false;
                _dirty.RemoveAt(i);
            }
            else
            {
                all = false;
            }
        }

        HasUnsent = !all;
        Volatile.Write(ref _backlog, _dirty.Count > 0);
        if (!all)
        {
            _firstUnflushedAt = LastNow;
        }

        return all;
    }

    /// <summary>Asks every destination that refused tuples to wake this executor when it has room.</summary>
    private void NotifyWhenRoom()
    {
        _wakeOnRoom ??= Queue.Wake;
        foreach (var batch in _dirty)
        {
            if (batch.Count > 0)
            {
                batch.Destination.NotifyWhenRoom(_wakeOnRoom);
            }
        }
    }

    protected void ReportError(int task, Exception error) => Services.ReportError(ComponentId, task, error);

    /// <summary>A Prepare or Open that threw: the worker cannot run this task, so it stops (as Storm's worker dies).</summary>
    protected void ReportFatal(int task, string phase, Exception error) => Services.ReportFatal(ComponentId, task, phase, error);

    /// <summary>
    /// An exception from the component's own per-tuple code (<paramref name="phase"/>: Execute, NextTuple, Ack, Fail):
    /// reported, and fatal only with <c>topology.worker.die.on.error</c>. Only the exception path reads the setting.
    /// </summary>
    protected void ReportUserError(int task, string phase, Exception error)
    {
        if (Settings.DieOnError)
        {
            Services.ReportFatal(ComponentId, task, phase, error);
        }
        else
        {
            Services.ReportError(ComponentId, task, error);
        }
    }

    /// <summary>
    /// Moves to a new routing table: batches for sinks still in it keep their tuples and their place in the flush
    /// list; batches for sinks gone (a worker moved) are dropped, and their spouts' timeouts replay what they held.
    /// </summary>
    private void AdoptRouting(RoutingTable routing)
    {
        var old = _out;
        _out = new OutBatch?[routing.Sinks.Length];
        _routing = routing;
        foreach (var batch in old)
        {
            if (batch is null)
            {
                continue;
            }

            var index = routing.IndexOf(batch.Destination);
            if (index >= 0)
            {
                _out[index] = batch;
                continue;
            }

            if (batch.Listed)
            {
                _dirty.Remove(batch);
                batch.Listed = false;
            }

            batch.Discard();
        }

        HasUnsent = false;
        foreach (var b in _dirty)
        {
            HasUnsent |= b.Count > 0;
        }
    }

    /// <summary>One turn on a pool thread: cycles while there is progress (and time left in the turn), then parks.</summary>
    public void RunTurn()
    {
        Volatile.Write(ref _turns, _turns + 1);
        if (!_initialized)
        {
            SafeInit();
        }

        Queue.ClearWake();
        var turnStart = Stopwatch.GetTimestamp();

        // The thread's usage is a system call: it is read only for a turn that follows a long one.
        var usageStart = default(ThreadUsage);
        var probed = _probeCpu && BlockingProbe.TryRead(out usageStart);
        var collectionsStart = probed ? GC.CollectionCount(0) : 0;
        var now = turnStart;
        var state = CycleResult.Idle;
        while (!_stopping)
        {
            // Later cycles start from the last reading the previous one took (at most a few tuples old).
            state = RunCycle(now, out now);
            if (state != CycleResult.Progressed || now - turnStart >= TurnTicks)
            {
                break;
            }
        }

        if (_stopping)
        {
            Finish();
            return;
        }

        // A bolt's last reading covers its last timed tuple, and every tuple is timed while they are slow; a spout's
        // last NextTuple may have blocked after its reading, so a spout looks at the clock again.
        if (IsSpout)
        {
            now = Stopwatch.GetTimestamp();
        }

        _probeCpu = now - turnStart >= BlockingCycleTicks;
        if (_probeCpu && probed && LooksBlocked(turnStart, now, usageStart, collectionsStart))
        {
            // Runs on, from here, on a thread of its own; a producer that still reaches Schedule signals that thread.
            _onThread = true;
            Logger.LogInformation(
                "executor of '{Component}' (tasks {First}-{Last}) moves to a thread of its own: its cycles wait on something (blocking calls?); set {Key} to start it there",
                ComponentId,
                TaskIds[0],
                TaskIds[^1],
                Config.TopologyExecutorDedicatedThread);
            StartThread();
            return;
        }

        if (state == CycleResult.Progressed)
        {
            _pool!.Schedule(this);
            return;
        }

        if (HasUnsent)
        {
            NotifyWhenRoom();
        }

        var wakeAt = Math.Min(_nextHousekeeping, now + ToTicks(state == CycleResult.Failed || HasUnsent ? TimeSpan.FromMilliseconds(1) : IdleWait));
        Volatile.Write(ref _wakeAt, wakeAt);
        _timer!.Expect(wakeAt);
        if (!(WaitsForRoomOnly ? Queue.TryParkForRoom() : Queue.TryPark()))
        {
            _pool!.Schedule(this);
        }
    }

    private void Schedule()
    {
        if (_onThread)
        {
            Queue.Signal();
        }
        else
        {
            _pool!.Schedule(this);
        }
    }

    private bool LooksBlocked(long turnStart, long now, in ThreadUsage usageStart, int collectionsStart)
    {
        // A collection suspends the thread (a voluntary switch, and wall time off the CPU): such a turn proves nothing.
        if (GC.CollectionCount(0) != collectionsStart
            || !BlockingProbe.TryRead(out var usageEnd)
            || !BlockingProbe.Waited(now - turnStart, usageStart, usageEnd))
        {
            return false;
        }

        if (_strikes == 0 || now - _firstStrikeAt > BlockingWindowTicks)
        {
            _strikes = 0;
            _firstStrikeAt = now;
        }

        return ++_strikes >= BlockingStrikes;
    }

    private void StartThread()
    {
        _onThread = true;
        _thread = new Thread(Run)
        {
            IsBackground = true,
            Name = $"executor[{ComponentId} {TaskIds[0]}-{TaskIds[^1]}]",
        };
        _thread.Start();
    }

    private void Run()
    {
        if (!_initialized)
        {
            SafeInit();
        }

        while (!_stopping)
        {
            var state = RunCycle(Stopwatch.GetTimestamp(), out _);
            if (state == CycleResult.Progressed)
            {
                _idle = 0;
            }
            else if (state == CycleResult.Failed)
            {
                Thread.Sleep(1);
            }
            else
            {
                Idle();
            }
        }

        Finish();
    }

    private void SafeInit()
    {
        _initialized = true;
        LastNow = Stopwatch.GetTimestamp(); // a spout may emit from Open
        try
        {
            Init();
        }
        catch (Exception e)
        {
            ReportError(TaskIds[0], e);
        }
    }

    private void Finish()
    {
        try
        {
            FlushAll();
            Shutdown();
        }
        catch (Exception e)
        {
            ReportError(TaskIds[0], e);
        }

        _finished.Set();
    }

    /// <summary>One cycle, from <paramref name="start"/>; <paramref name="now"/>: the last clock reading it took.</summary>
    private CycleResult RunCycle(long start, out long now)
    {
        now = start;
        LastNow = start;
        if (!ReferenceEquals(_routing, Runtime.Routing))
        {
            AdoptRouting(Runtime.Routing);
        }

        try
        {
            if (now >= _nextHousekeeping)
            {
                _nextHousekeeping = now + HousekeepingTicks;
                RunHousekeeping(now);
            }

            var progressed = false;
            if (HasUnsent)
            {
                progressed = FlushAll();
            }

            // A bolt with tuples stuck downstream stops taking input, which fills its queue and pushes back upstream.
            // A spout always drains: its input is acker traffic, and draining it is what frees the acker.
            if (!HasUnsent || IsSpout)
            {
                progressed |= ProcessInput(now);
            }

            if (!HasUnsent)
            {
                progressed |= Produce();
            }

            FlushAll();
            now = LastNow;
            return progressed ? CycleResult.Progressed : CycleResult.Idle;
        }
        catch (Exception e)
        {
            // User code is guarded where it is called; this is the engine's own failure (a transport refusing a
            // batch, say). Report it and keep the executor alive: a worker never dies of one bad tuple.
            ReportError(TaskIds[0], e);
            Array.Clear(_buffer);
            _next = _taken = 0;
            Volatile.Write(ref _processed, _polled);
            now = Stopwatch.GetTimestamp();
            return CycleResult.Failed;
        }
    }

    /// <summary>
    /// Processes what the last poll took, or polls again; stops after a slice of <see cref="TurnTicks"/>, keeping the
    /// rest for the next cycle, so that a slow bolt holds a pool thread for a slice, not for a whole batch.
    /// </summary>
    private bool ProcessInput(long start)
    {
        var buffer = _buffer;
        if (_next == _taken)
        {
            _next = 0;
            _taken = Queue.Poll(buffer);
            Volatile.Write(ref _polled, _polled + _taken);
        }

        var done = 0;
        while (_next < _taken)
        {
            if (_stopping)
            {
                // Killed: what is left of the batch is dropped, as Storm drops a dead worker's queues.
                Array.Clear(buffer, _next, _taken - _next);
                _next = _taken;
                break;
            }

            var t = buffer[_next]!;
            buffer[_next++] = null;
            PrefetchAhead(buffer, _next, _taken);
            var now = Process(t); // each kind flushes on the interval from its own timestamps
            done++;
            if (now - start >= TurnTicks)
            {
                break;
            }
        }

        Volatile.Write(ref _processed, _processed + done);
        return done > 0;
    }

    /// <summary>
    /// Tuples arrive from other cores, so the first touch of each (its object, its values, its first value) misses the
    /// cache: in a profile of word count those three loads were the bolts' largest cost. While one tuple executes,
    /// this asks for what the next ones will touch, a stage at a time: the object three ahead, the values of the next
    /// but one, the first value of the next.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PrefetchAhead(TupleImpl?[] buffer, int next, int taken)
    {
        if (!CacheHint.Supported)
        {
            return;
        }

        if (next + 3 < taken)
        {
            CacheHint.Prefetch(buffer[next + 3], lines: 2);
        }

        if (next + 1 < taken)
        {
            CacheHint.Prefetch(buffer[next + 1]!.ValuesList);
        }

        if (next < taken && buffer[next]!.ValuesList is Values { Count: > 0 } values)
        {
            CacheHint.Prefetch(values[0]);
        }
    }

    private void RunHousekeeping(long now)
    {
        Stats.Tick(now);
        if (now >= _nextLoadRefresh && _allGroupers.Count > 0)
        {
            _nextLoadRefresh = now + LoadRefreshTicks;
            foreach (var g in _allGroupers)
            {
                g.RefreshLoad(Runtime.LoadOfTask);
            }
        }

        try
        {
            Housekeeping(now);
        }
        catch (Exception e)
        {
            ReportError(TaskIds[0], e);
        }
    }

    private void Idle()
    {
        // Progressive: spin briefly (a tuple is often a few hundred ns away), then yield, then sleep on the queue,
        // which wakes the moment a producer publishes.
        _idle++;
        if (_idle < 10)
        {
            Thread.SpinWait(30);
        }
        else if (_idle < 20)
        {
            Thread.Yield();
        }
        else
        {
            // Waiting for room downstream: a local queue wakes us when it frees; others are looked at again after 1 ms.
            if (HasUnsent)
            {
                NotifyWhenRoom();
            }

            if (WaitsForRoomOnly)
            {
                Queue.WaitForRoom(TimeSpan.FromMilliseconds(1));
            }
            else
            {
                Queue.Wait(HasUnsent ? TimeSpan.FromMilliseconds(1) : IdleWait);
            }
        }
    }

    /// <summary>
    /// A bolt holding tuples its destinations refused takes no input until they are handed over, so the input in its
    /// queue is no reason to run: it waits for room (or a command, or its next deadline). A spout drains its input
    /// (acker traffic) whatever it holds, so it waits as usual.
    /// </summary>
    private bool WaitsForRoomOnly => HasUnsent && !IsSpout;

    /// <summary>How long an idle executor sleeps at most: spouts retry NextTuple after it, bolts only wake for housekeeping.</summary>
    protected virtual TimeSpan IdleWait => TimeSpan.FromMilliseconds(20);

    private static long ToTicks(TimeSpan t) => (long)(t.TotalSeconds * Stopwatch.Frequency);

    private enum CycleResult
    {
        Idle,
        Progressed,
        Failed,
    }
}
