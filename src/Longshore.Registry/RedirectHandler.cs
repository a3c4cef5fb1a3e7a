using System.Net;

namespace Longshore.Registry;

/// <summary>
/// Follows redirects of GET and HEAD requests (blob storage, mirrors). Authorization goes only to the same scheme and
/// authority, so signed storage URLs never see a registry's credentials; a hop from https to http is refused, since it
/// would expose the request (and its answer) to anyone on the path.
/// </summary>
internal sealed class RedirectHandler : DelegatingHandler
{
    private const int MaxRedirects = 5;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var current = request;
        try
        {
            for (var hop = 0; ; hop++)
            {
                var response = await base.SendAsync(current, cancellationToken);
                if (!IsRedirect(response.StatusCode) || response.Headers.Location is null || (current.Method != HttpMethod.Get && current.Method != HttpMethod.Head))
                {
                    return response;
                }

                var from = current.RequestUri!;
                var target = response.Headers.Location.IsAbsoluteUri ? response.Headers.Location : new Uri(from, response.Headers.Location);
                response.Dispose();
                if (hop >= MaxRedirects)
                {
                    throw new RegistryException($"{request.Method} {Describe(request.RequestUri!)} was redirected more than {MaxRedirects} times");
                }

                if (target.Scheme != Uri.UriSchemeHttps && target.Scheme != Uri.UriSchemeHttp)
                {
                    throw new RegistryException($"registry {from.Authority} redirected to an unsupported scheme '{target.Scheme}'");
                }

                if (from.Scheme == Uri.UriSchemeHttps && target.Scheme == Uri.UriSchemeHttp)
                {
                    throw new RegistryException($"registry {from.Authority} redirected an https request to plain http ({target.Authority}); refused");
                }

                var next = new HttpRequestMessage(current.Method, target) { Version = current.Version, VersionPolicy = current.VersionPolicy };
                foreach (var header in current.Headers)
                {
                    if (!header.Key.Equals("Authorization", StringComparison.OrdinalIgnoreCase))
                    {
                        next.Headers.TryAddWithoutValidation(header.Key, header.Value);
                    }
                }

                foreach (var option in current.Options)
                {
                    ((IDictionary<string, object?>)next.Options)[option.Key] = option.Value;
                }

                if (current.Headers.Authorization is { } authorization && target.Authority == from.Authority && target.Scheme == from.Scheme)
                {
                    next.Headers.Authorization = authorization;
                }

                if (!ReferenceEquals(current, request))
                {
                    current.Dispose();
                }

                current = next;
            }
        }
        finally
        {
            // The caller owns (and may resend) its own request; the hops are this handler's.
            if (!ReferenceEquals(current, request))
            {
                current.Dispose();
            }
        }
    }

    private static bool IsRedirect(HttpStatusCode status) =>
        status is HttpStatusCode.MovedPermanently or HttpStatusCode.Found or HttpStatusCode.SeeOther or HttpStatusCode.TemporaryRedirect or HttpStatusCode.PermanentRedirect;

    private static string Describe(Uri uri) => uri.GetLeftPart(UriPartial.Path);
}
