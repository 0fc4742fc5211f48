namespace StormSharp.Ui.Internal;

/// <summary>A request the UI refuses: answered with <paramref name="status"/> and Storm's error body naming the problem.</summary>
internal sealed class ApiException(int status, string message) : Exception(message)
{
    public int Status { get; } = status;

    public static ApiException BadRequest(string message) => new(400, message);

    public static ApiException NotFound(string message) => new(404, message);
}
