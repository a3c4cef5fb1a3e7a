using System.Net.Http.Headers;
using Longshore.Oci;

namespace Longshore.TestBed;

/// <summary>
/// Pushes built images over the plain distribution API (monolithic uploads), independent of Longshore's own client.
/// Used for Docker media types, which skopeo's OCI-layout source does not read.
/// </summary>
internal static class RegistryPusher
{
    public static async Task PushAsync(RegistryServer registry, string repository, IEnumerable<KeyValuePair<Digest, byte[]>> blobs, IEnumerable<(string Reference, string MediaType, byte[] Content)> manifests, CancellationToken cancellationToken)
    {
        using var http = registry.CreateHttpClient();
        foreach (var (digest, content) in blobs.DistinctBy(b => b.Key))
        {
            using var start = await http.PostAsync(new Uri($"v2/{repository}/blobs/uploads/", UriKind.Relative), null, cancellationToken);
            start.EnsureSuccessStatusCode();
            var location = start.Headers.Location!;
            var target = location.IsAbsoluteUri ? location : new Uri(registry.BaseAddress, location);
            var separator = string.IsNullOrEmpty(target.Query) ? "?" : "&";
            using var body = new ByteArrayContent(content);
            body.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            using var put = await http.PutAsync(new Uri(target + separator + "digest=" + Uri.EscapeDataString(digest.ToString())), body, cancellationToken);
            put.EnsureSuccessStatusCode();
        }

        foreach (var (reference, mediaType, content) in manifests)
        {
            using var body = new ByteArrayContent(content);
            body.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
            using var put = await http.PutAsync(new Uri($"v2/{repository}/manifests/{reference}", UriKind.Relative), body, cancellationToken);
            if (!put.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"manifest PUT {repository}:{reference} failed with {(int)put.StatusCode}: {await put.Content.ReadAsStringAsync(cancellationToken)}");
            }
        }
    }
}
