namespace StormSharp.Runtime.Routing;

/// <summary>A grouping key holds a value with no hash that is the same in every process; <see cref="ValueType"/> says which.</summary>
internal sealed class UnstableHashException(Type valueType, string reason)
    : NotSupportedException($"a {valueType.FullName} {reason}")
{
    public Type ValueType { get; } = valueType;

    public string Reason { get; } = reason;
}
