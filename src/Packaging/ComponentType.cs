using StormSharp.Topology;

namespace StormSharp.Packaging;

/// <summary>A type a topology names, to be checked against its package by <see cref="PackageInspector"/>.</summary>
/// <param name="ComponentId">The component the type belongs to; for a custom grouping, the bolt whose input uses it.</param>
/// <param name="TypeName">Assembly-qualified type name as <see cref="SerializedObject.TypeName"/> holds it.</param>
/// <param name="Role">What the type must implement.</param>
public sealed record ComponentType(string ComponentId, string TypeName, ComponentRole Role)
{
    /// <summary>Every type <paramref name="topology"/> names: its spouts, its bolts and their inputs' custom groupings.</summary>
    public static IReadOnlyList<ComponentType> AllOf(StormTopology topology)
    {
        ArgumentNullException.ThrowIfNull(topology);
        var result = new List<ComponentType>();
        foreach (var c in topology.Components)
        {
            result.Add(new ComponentType(c.Id, c.Component.TypeName, c.IsSpout ? ComponentRole.Spout : ComponentRole.Bolt));
            foreach (var input in c.Inputs)
            {
                if (input.Grouping.Custom is { } custom)
                {
                    result.Add(new ComponentType(c.Id, custom.TypeName, ComponentRole.CustomGrouping));
                }
            }
        }

        return result;
    }
}
