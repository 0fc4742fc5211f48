namespace StormSharp.Topology;

/// <summary>Thrown from <see cref="IBasicBolt.Execute"/> to fail the input tuple instead of acking it.</summary>
public class FailedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public FailedException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public FailedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public FailedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>A <see cref="FailedException"/> that is also reported as the component's error (shown in the UI).</summary>
public class ReportedFailedException : FailedException
{
    /// <summary>Creates the exception.</summary>
    public ReportedFailedException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public ReportedFailedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public ReportedFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
