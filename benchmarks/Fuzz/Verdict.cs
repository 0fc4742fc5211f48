namespace StormSharp.Benchmarks.Fuzz;

/// <summary>
/// What became of one input: <paramref name="Outcome"/> is how the daemon answered (a gRPC status, an HTTP status,
/// "closed", "timeout"), <paramref name="AcceptedWithoutCredentials"/> whether it was a success for a caller
/// without valid credentials; <paramref name="Input"/> describes the input, for the log.
/// </summary>
internal readonly record struct Verdict(string Outcome, bool AcceptedWithoutCredentials, string Input)
{
    public static Verdict Refused(string outcome, string input) => new(outcome, false, input);
}
