using Grpc.Core;

namespace StormSharp.Benchmarks.Fuzz;

/// <summary>How the fuzzers' gRPC calls are made to end and how their ends are named, alike for every target.</summary>
internal static class GrpcCalls
{
    /// <summary>
    /// Runs <paramref name="call"/> and names how it ended: "OK", its status (an Unknown with the start of its detail,
    /// since the kind of a handler's exception is worth seeing), "cancelled", or "transport:" and the exception's type.
    /// </summary>
    /// <param name="call">The call, through to its response.</param>
    /// <param name="detail">Given the status detail of a call that ended with one.</param>
    public static async Task<string> OutcomeAsync(Func<Task> call, Action<string> detail)
    {
        try
        {
            await call().ConfigureAwait(false);
            return "OK";
        }
        catch (RpcException e)
        {
            detail(e.Status.Detail);
            return e.StatusCode == StatusCode.Unknown ? "Unknown (" + e.Status.Detail[..Math.Min(e.Status.Detail.Length, 90)] + ")" : e.StatusCode.ToString();
        }
        catch (OperationCanceledException)
        {
            return "cancelled";
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            return "transport:" + e.GetType().Name;
        }
    }

    /// <summary>
    /// Makes <paramref name="writes"/> on a client stream and completes it, then awaits the response: a write refused
    /// because the server already ended the call is not how the call ended; the response says that.
    /// </summary>
    public static async Task WriteThenAwaitResponseAsync(AsyncClientStreamingCall<byte[], byte[]> call, Func<IClientStreamWriter<byte[]>, Task> writes)
    {
        try
        {
            await writes(call.RequestStream).ConfigureAwait(false);
            await call.RequestStream.CompleteAsync().ConfigureAwait(false);
        }
        catch (RpcException)
        {
            // Refused while writing; the response says why.
        }
        catch (InvalidOperationException)
        {
            // The call already ended; the response says why.
        }

        await call.ResponseAsync.ConfigureAwait(false);
    }
}
