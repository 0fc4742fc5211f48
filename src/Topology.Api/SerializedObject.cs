using StormSharp.Topology.Internal;

namespace StormSharp.Topology;

/// <summary>
/// A component (or custom grouping) as it travels to the tasks that run it: its type name and the values
/// of its instance fields as JSON. Each task rebuilds its own instance from this, without running a constructor,
/// the way Storm deserializes a component in each executor.
/// </summary>
/// <remarks>
/// The state keeps collections' comparers, the fields of collection subclasses and objects shared between fields;
/// it refuses cycles, and whatever else it could not rebuild exactly, naming the field. Fields are keyed by their
/// compiled names, so the state records the build (module version id) of each assembly it depends on and a worker
/// running another build refuses it rather than misread it. A worker instantiates only types the writer's rules
/// allow, whatever type names the state holds.
/// </remarks>
public sealed class SerializedObject
{
    /// <summary>Creates the form from a type name and its state.</summary>
    public SerializedObject(string typeName, string state)
    {
        TypeName = typeName ?? throw new ArgumentNullException(nameof(typeName));
        State = state ?? throw new ArgumentNullException(nameof(state));
    }

    /// <summary>The assembly-qualified type name.</summary>
    public string TypeName { get; }

    /// <summary>The instance fields, as JSON, with the builds of the assemblies that declare them.</summary>
    public string State { get; }

    /// <summary>Captures <paramref name="value"/>; throws <see cref="InvalidTopologyException"/> naming the field that cannot travel.</summary>
    internal static SerializedObject Capture(object value, string what)
    {
        try
        {
            return new SerializedObject(ObjectState.TypeNameOf(value.GetType()), ObjectState.Write(value));
        }
        catch (NotSupportedException e)
        {
            throw new InvalidTopologyException($"{what} cannot be shipped to its tasks: {e.Message}", e);
        }
    }

    /// <summary>Rebuilds an instance; <paramref name="resolveType"/> maps a type name to a type (null when unknown).</summary>
    internal object Instantiate(Func<string, Type?> resolveType) => ObjectState.Read(TypeName, State, resolveType);

    /// <inheritdoc/>
    public override string ToString() => TypeName;
}
