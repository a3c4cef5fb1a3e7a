using System.Net;

namespace Longshore.Operator;

/// <summary>The names a webhook serving certificate must carry: the Service's DNS names and any extra names or IP addresses.</summary>
public sealed record WebhookServingNames(IReadOnlyList<string> DnsNames, IReadOnlyList<IPAddress> Addresses)
{
    /// <summary><c>SERVICE.NS.svc</c>, <c>SERVICE.NS.svc.cluster.local</c>, and each extra entry as an IP address if it is one, else a DNS name.</summary>
    public static WebhookServingNames For(OperatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var dns = new List<string> { $"{options.WebhookServiceName}.{options.Namespace}.svc", $"{options.WebhookServiceName}.{options.Namespace}.svc.cluster.local" };
        var addresses = new List<IPAddress>();
        foreach (var extra in options.WebhookExtraNames)
        {
            if (IPAddress.TryParse(extra, out var address))
            {
                addresses.Add(address);
            }
            else
            {
                dns.Add(extra.ToLowerInvariant());
            }
        }

        return new WebhookServingNames(dns.Distinct().ToList(), addresses.Distinct().ToList());
    }

    /// <summary>Whether <paramref name="dnsNames"/> and <paramref name="addresses"/> are exactly these names, in any order.</summary>
    public bool SameAs(IEnumerable<string> dnsNames, IEnumerable<IPAddress> addresses) =>
        new HashSet<string>(dnsNames, StringComparer.OrdinalIgnoreCase).SetEquals(DnsNames) && new HashSet<IPAddress>(addresses).SetEquals(Addresses);
}
