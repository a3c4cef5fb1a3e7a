namespace Longshore.Registry;

/// <summary>Reads response bodies into memory with a cap, so a hostile or broken server cannot exhaust it.</summary>
internal static class BodyReader
{
    /// <summary>The whole body; a <see cref="RegistryException"/> with <paramref name="tooLarge"/> once it passes <paramref name="limit"/> bytes.</summary>
    public static async Task<byte[]> ReadAllAsync(HttpResponseMessage response, long limit, Func<string> tooLarge, CancellationToken cancellationToken)
    {
        if (response.Content.Headers.ContentLength > limit)
        {
            throw new RegistryException(tooLarge());
        }

        using var buffer = new MemoryStream();
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        var chunk = new byte[81920];
        int read;
        while ((read = await body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                throw new RegistryException(tooLarge());
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    /// <summary>At most <paramref name="limit"/> bytes of the body; the rest is left unread (disposing the response drops it).</summary>
    public static async Task<byte[]> ReadPrefixAsync(HttpResponseMessage response, int limit, CancellationToken cancellationToken)
    {
        var buffer = new byte[(int)Math.Min(limit, response.Content.Headers.ContentLength ?? limit)];
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        var filled = 0;
        int read;
        while (filled < buffer.Length && (read = await body.ReadAsync(buffer.AsMemory(filled), cancellationToken)) > 0)
        {
            filled += read;
        }

        return buffer[..filled];
    }
}
