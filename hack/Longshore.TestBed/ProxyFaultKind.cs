namespace Longshore.TestBed;

/// <summary>What a <see cref="FaultProxy"/> does to the requests a fault matches.</summary>
public enum ProxyFaultKind
{
    /// <summary>Forwards the request and sends the registry's response headers, then never sends the body.</summary>
    StallAfterHeaders,

    /// <summary>Forwards the request and passes the body on at <see cref="ProxyFault.BytesPerSecond"/>.</summary>
    SlowDrip,

    /// <summary>Reads the request, then resets the connection (RST).</summary>
    ConnectionReset,

    /// <summary>Answers 503 without asking the registry.</summary>
    ServerError,

    /// <summary>Answers 429 with <c>Retry-After</c>.</summary>
    TooManyRequests,

    /// <summary>Answers 500 with a body of <see cref="ProxyFault.BodyBytes"/> bytes, generated as it is sent.</summary>
    HugeErrorBody,

    /// <summary>Challenges every request without Authorization (Bearer, realm on this proxy) and answers the token request with a huge body.</summary>
    HugeTokenResponse,

    /// <summary>Challenges every request without Authorization with a Bearer realm on plain http.</summary>
    HttpTokenRealm,

    /// <summary>Answers 307 to the same path on plain http.</summary>
    RedirectToHttp,
}
