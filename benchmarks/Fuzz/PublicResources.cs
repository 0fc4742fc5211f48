using System.Text;

namespace StormSharp.Benchmarks.Fuzz;

/// <summary>
/// What the UI and the logviewer serve to anyone, from <c>UiAuth.IsOpen</c>: <c>GET</c>/<c>HEAD</c> of
/// <c>/login.html</c> and of the files under <c>/css</c>, <c>/js</c> and <c>/vendor</c> (the login page's assets), and
/// <c>POST /api/v1/logout</c> (it only deletes the caller's cookie). <c>POST /api/v1/login</c> is open too, but the
/// fuzzer never sends it a valid token, so a success there counts. Any other 2xx without valid credentials is an
/// acceptance, and so is a JSON 2xx on a public path (an API answer reached through a path trick).
/// </summary>
internal static class PublicResources
{
    private static readonly string[] AssetFolders = ["/css", "/js", "/vendor"];

    public static bool IsAcceptance(string method, string rawPath, int status, string? contentType)
    {
        if (status is < 200 or > 299)
        {
            return false;
        }

        var path = Normalize(rawPath);
        if (method == "POST" && path == "/api/v1/logout")
        {
            return false;
        }

        var json = contentType?.Contains("json", StringComparison.OrdinalIgnoreCase) == true;
        var asset = path == "/login.html" || AssetFolders.Any(f => path.Equals(f, StringComparison.OrdinalIgnoreCase) || path.StartsWith(f + "/", StringComparison.OrdinalIgnoreCase));
        return !(method is "GET" or "HEAD" && asset && !json);
    }

    /// <summary>The path as the server routes it: percent-decoded except <c>%2F</c>, dot segments removed.</summary>
    public static string Normalize(string rawPath)
    {
        var query = rawPath.IndexOf('?', StringComparison.Ordinal);
        var path = query >= 0 ? rawPath[..query] : rawPath;
        var decoded = new StringBuilder(path.Length);
        for (var i = 0; i < path.Length; i++)
        {
            if (path[i] == '%' && i + 2 < path.Length && Uri.IsHexDigit(path[i + 1]) && Uri.IsHexDigit(path[i + 2])
                && !(path[i + 1] == '2' && (path[i + 2] is 'f' or 'F')))
            {
                decoded.Append((char)Convert.ToInt32(path.Substring(i + 1, 2), 16));
                i += 2;
            }
            else
            {
                decoded.Append(path[i]);
            }
        }

        var output = new List<string>();
        foreach (var segment in decoded.ToString().Split('/'))
        {
            if (segment == "..")
            {
                if (output.Count > 1)
                {
                    output.RemoveAt(output.Count - 1);
                }
            }
            else if (segment != ".")
            {
                output.Add(segment);
            }
        }

        var normalized = string.Join('/', output);
        return normalized.StartsWith('/') ? normalized : "/" + normalized;
    }
}
