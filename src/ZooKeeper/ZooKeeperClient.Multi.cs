using StormSharp.ZooKeeper.Internal;

namespace StormSharp.ZooKeeper;

public sealed partial class ZooKeeperClient
{
    /// <summary>
    /// Applies all <paramref name="ops"/> atomically: all succeed, or none is applied and a
    /// <see cref="KeeperException"/> for the first failing operation is thrown, with every
    /// operation's outcome in <see cref="KeeperException.Results"/>.
    /// </summary>
    public ValueTask<IReadOnlyList<OpResult>> MultiAsync(IEnumerable<Op> ops, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ops);
        var list = ops.ToList();
        var w = JuteWriter.ForRequest(OpCode.Multi, 64 * list.Count);
        foreach (var op in list)
        {
            switch (op)
            {
                case Op.CreateOp c:
                    PathUtil.Validate(c.Path, c.Mode is CreateMode.PersistentSequential or CreateMode.EphemeralSequential);
                    WriteMultiHeader(ref w, OpCode.Create);
                    w.WriteString(_session.ToServerPath(c.Path));
                    w.WriteBuffer(c.Data.Span);
                    w.WriteAcls(c.Acl);
                    w.WriteInt((int)c.Mode);
                    break;
                case Op.DeleteOp d:
                    PathUtil.Validate(d.Path, false);
                    WriteMultiHeader(ref w, OpCode.Delete);
                    w.WriteString(_session.ToServerPath(d.Path));
                    w.WriteInt(d.Version);
                    break;
                case Op.SetDataOp s:
                    PathUtil.Validate(s.Path, false);
                    WriteMultiHeader(ref w, OpCode.SetData);
                    w.WriteString(_session.ToServerPath(s.Path));
                    w.WriteBuffer(s.Data.Span);
                    w.WriteInt(s.Version);
                    break;
                case Op.CheckOp k:
                    PathUtil.Validate(k.Path, false);
                    WriteMultiHeader(ref w, OpCode.Check);
                    w.WriteString(_session.ToServerPath(k.Path));
                    w.WriteInt(k.Version);
                    break;
                default:
                    w.Dispose();
                    throw new ArgumentException($"unsupported op {op}", nameof(ops));
            }
        }

        w.WriteInt(-1);
        w.WriteBool(true);
        w.WriteInt(-1);
        var request = new PendingRequest<IReadOnlyList<OpResult>>(ref w, list.Count > 0 ? list[0].Path : null, (ref JuteReader r) => ParseMulti(ref r, list));
        return Send(request, cancellationToken);
    }

    private static void WriteMultiHeader(ref JuteWriter w, int type)
    {
        w.WriteInt(type);
        w.WriteBool(false);
        w.WriteInt(-1);
    }

    private IReadOnlyList<OpResult> ParseMulti(ref JuteReader r, List<Op> ops)
    {
        var results = new List<OpResult>(ops.Count);
        var firstError = -1;
        while (true)
        {
            var type = r.ReadInt();
            var done = r.ReadBool();
            var err = r.ReadInt();
            if (done)
            {
                break;
            }

            switch (type)
            {
                case OpCode.Create:
                    results.Add(new OpResult.CreateResult(_session.ToClientPath(r.ReadString() ?? "/")));
                    break;
                case OpCode.Create2:
                    var path = _session.ToClientPath(r.ReadString() ?? "/");
                    _ = r.ReadStat();
                    results.Add(new OpResult.CreateResult(path));
                    break;
                case OpCode.Delete:
                    results.Add(new OpResult.DeleteResult());
                    break;
                case OpCode.SetData:
                    results.Add(new OpResult.SetDataResult(r.ReadStat()));
                    break;
                case OpCode.Check:
                    results.Add(new OpResult.CheckResult());
                    break;
                case OpCode.Error:
                    var code = (ErrorCode)r.ReadInt();
                    if (firstError < 0 && code is not ErrorCode.Ok and not ErrorCode.RuntimeInconsistency)
                    {
                        firstError = results.Count;
                    }

                    results.Add(new OpResult.ErrorResult(code));
                    break;
                default:
                    throw new ProtocolException($"multi result of type {type} (err {err})");
            }
        }

        if (firstError >= 0)
        {
            var code = ((OpResult.ErrorResult)results[firstError]).Code;
            var ex = KeeperException.Create(code, firstError < ops.Count ? ops[firstError].Path : null);
            ex.Results = results;
            throw ex;
        }

        return results;
    }
}
