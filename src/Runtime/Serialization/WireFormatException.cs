namespace StormSharp.Runtime.Serialization;

/// <summary>A tuple batch that cannot be decoded: truncated, corrupt, or from an incompatible writer.</summary>
internal sealed class WireFormatException : FormatException
{
    public WireFormatException(string message)
        : base(message)
    {
    }

    public WireFormatException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
