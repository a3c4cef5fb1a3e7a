using System.Text;

namespace Longshore.TestBed;

/// <summary>The head of an HTTP/1.1 request as <see cref="FaultProxy"/> needs it: method, path, headers.</summary>
internal sealed record HttpHead(string Method, string Path, string Version, IReadOnlyList<(string Name, string Value)> Headers)
{
    public long ContentLength => long.TryParse(Header("Content-Length"), out var length) ? length : 0;

    public bool HasAuthorization => Header("Authorization") is not null;

    public string HostHeader => Header("Host") ?? "localhost";

    public string? Range => Header("Range");

    /// <summary>This head with header <paramref name="name"/> set to <paramref name="value"/>, or removed when null.</summary>
    public HttpHead WithHeader(string name, string? value)
    {
        var headers = Headers.Where(h => !h.Name.Equals(name, StringComparison.OrdinalIgnoreCase)).ToList();
        if (value is not null)
        {
            headers.Add((name, value));
        }

        return this with { Headers = headers };
    }

    public static HttpHead Parse(byte[] head)
    {
        var lines = Encoding.ASCII.GetString(head).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        var first = lines[0].Split(' ');
        var headers = lines.Skip(1)
            .Select(l => l.Split(':', 2))
            .Where(p => p.Length == 2)
            .Select(p => (p[0].Trim(), p[1].Trim()))
            .ToList();
        return new HttpHead(first[0], first.Length > 1 ? first[1] : "/", first.Length > 2 ? first[2] : "HTTP/1.1", headers);
    }

    /// <summary>The head to send upstream: one request per connection, optionally without the client's Authorization.</summary>
    public byte[] Rewrite(bool stripAuthorization)
    {
        var text = new StringBuilder($"{Method} {Path} {Version}\r\n");
        foreach (var (name, value) in Headers)
        {
            if (name.Equals("Connection", StringComparison.OrdinalIgnoreCase) || (stripAuthorization && name.Equals("Authorization", StringComparison.OrdinalIgnoreCase)))
            {
                continue;
            }

            text.Append(name).Append(": ").Append(value).Append("\r\n");
        }

        text.Append("Connection: close\r\n\r\n");
        return Encoding.ASCII.GetBytes(text.ToString());
    }

    /// <summary>A response head with <c>Connection: close</c>, so the client opens a new connection for its next request.</summary>
    public static byte[] CloseConnection(byte[] responseHead)
    {
        var lines = Encoding.ASCII.GetString(responseHead).Split("\r\n", StringSplitOptions.RemoveEmptyEntries)
            .Where(l => !l.StartsWith("Connection:", StringComparison.OrdinalIgnoreCase));
        return Encoding.ASCII.GetBytes(string.Join("\r\n", lines) + "\r\nConnection: close\r\n\r\n");
    }

    private string? Header(string name) => Headers.FirstOrDefault(h => h.Name.Equals(name, StringComparison.OrdinalIgnoreCase)).Value;
}
