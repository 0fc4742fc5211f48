namespace StormSharp.Cluster;

/// <summary>
/// A conditional write found the record at another version than expected (or present when
/// <see cref="StateVersion.Absent"/> was expected, or gone when a version was): someone else wrote
/// it first. Re-read and decide again.
/// </summary>
public sealed class ClusterStateConflictException : Exception
{
    public ClusterStateConflictException(string record, int expectedVersion, Exception? inner = null)
        : base($"{record} is not at the expected version {Describe(expectedVersion)}; it was changed by someone else", inner)
    {
        Record = record;
        ExpectedVersion = expectedVersion;
    }

    /// <summary>The record, e.g. <c>assignment 'wordcount-1-1700000000'</c>.</summary>
    public string Record { get; }

    public int ExpectedVersion { get; }

    private static string Describe(int version) => version == StateVersion.Absent ? "(absent)" : version.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
