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

    /// <summary>Forwards the request and passes on <see cref="ProxyFault.BodyBytes"/> bytes of the body, then closes the connection.</summary>
    CutBody,

    /// <summary>Forwards the request without its <c>Range</c> header, so the registry answers 200 with the whole body.</summary>
    IgnoreRange,

    /// <summary>Forwards the request asking for the range from byte 0 instead, so the registry answers another range than asked.</summary>
    ShiftRange,

    /// <summary>Answers 416 Range Not Satisfiable without asking the registry.</summary>
    RangeNotSatisfiable,
}
