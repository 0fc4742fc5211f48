namespace StormSharp.Cluster;

/// <summary>
/// Special values for the <c>expectedVersion</c> of a conditional write. Any other value is a
/// version returned by an earlier read or write (a znode's data version: 0 after creation, one
/// more per write), used as an ETag.
/// </summary>
public static class StateVersion
{
    /// <summary>Write whatever is there: create the record if missing, else overwrite it.</summary>
    public const int Any = -1;

    /// <summary>Create the record; conflict if it exists already.</summary>
    public const int Absent = -2;
}
