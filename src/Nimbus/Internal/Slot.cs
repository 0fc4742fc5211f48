using System.Globalization;

namespace StormSharp.Nimbus.Internal;

/// <summary>A worker slot: a supervisor (by id) and one of its <c>supervisor.slots.ports</c>.</summary>
internal readonly record struct Slot(string NodeId, int Port)
{
    public override string ToString() => NodeId + ":" + Port.ToString(CultureInfo.InvariantCulture);
}
