namespace Longshore.Oci;

/// <summary>
/// An OCI platform (<c>os/architecture[/variant]</c>). Architectures and variants are normalised the way containerd
/// does it, so <c>linux/arm64</c> matches <c>linux/arm64/v8</c> and <c>aarch64</c> is <c>arm64</c>.
/// </summary>
public sealed record Platform
{
    public Platform(string os, string architecture, string? variant = null, string? osVersion = null)
    {
        (Architecture, Variant) = NormaliseArchitecture(architecture.ToLowerInvariant(), variant?.ToLowerInvariant());
        Os = string.Equals(os, "macos", StringComparison.OrdinalIgnoreCase) ? "darwin" : os.ToLowerInvariant();
        OsVersion = osVersion;
    }

    public string Os { get; }

    public string Architecture { get; }

    public string? Variant { get; }

    public string? OsVersion { get; }

    /// <summary>The platform of the machine this code runs on.</summary>
    public static Platform Host { get; } = new(
        OperatingSystem.IsWindows() ? "windows" : OperatingSystem.IsMacOS() ? "darwin" : "linux",
        System.Runtime.InteropServices.RuntimeInformation.OSArchitecture switch
        {
            System.Runtime.InteropServices.Architecture.X64 => "amd64",
            System.Runtime.InteropServices.Architecture.Arm64 => "arm64",
            System.Runtime.InteropServices.Architecture.Arm => "arm",
            System.Runtime.InteropServices.Architecture.X86 => "386",
            System.Runtime.InteropServices.Architecture.S390x => "s390x",
            System.Runtime.InteropServices.Architecture.Ppc64le => "ppc64le",
            System.Runtime.InteropServices.Architecture.RiscV64 => "riscv64",
            var other => other.ToString().ToLowerInvariant(),
        },
        System.Runtime.InteropServices.RuntimeInformation.OSArchitecture == System.Runtime.InteropServices.Architecture.Arm ? "v7" : null);

    /// <summary>Parses <c>os/arch[/variant]</c>; an architecture alone means linux.</summary>
    public static Platform Parse(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var parts = value.Split('/');
        if (parts.Length > 3 || parts.Any(p => p.Length == 0))
            throw new OciFormatException("platform", $"platform '{value}' is not of the form os/architecture[/variant] (e.g. linux/arm64 or linux/arm/v7)");
        foreach (var part in parts)
        {
            if (!part.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.'))
                throw new OciFormatException("platform", $"platform '{value}' has invalid part '{part}'");
        }

        return parts.Length switch
        {
            1 => new Platform("linux", parts[0]),
            2 => new Platform(parts[0], parts[1]),
            _ => new Platform(parts[0], parts[1], parts[2]),
        };
    }

    /// <summary>
    /// Whether an image built for <paramref name="candidate"/> runs on this platform. Same OS and architecture;
    /// for variants, a missing variant on either side matches (arm64 is v8 by default) and otherwise they must be equal.
    /// </summary>
    public bool Matches(Platform candidate)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        if (Os != candidate.Os || Architecture != candidate.Architecture)
            return false;
        return Variant is null || candidate.Variant is null || Variant == candidate.Variant;
    }

    public override string ToString() => Variant is null ? $"{Os}/{Architecture}" : $"{Os}/{Architecture}/{Variant}";

    private static (string Architecture, string? Variant) NormaliseArchitecture(string architecture, string? variant) => architecture switch
    {
        "i386" => ("386", null),
        "x86_64" or "x86-64" or "amd64" => ("amd64", variant is "v1" ? null : variant),
        "aarch64" or "arm64" => ("arm64", variant is "8" or "v8" ? null : variant),
        "armhf" => ("arm", "v7"),
        "armel" => ("arm", "v6"),
        "arm" => ("arm", variant switch
        {
            null or "" or "7" => "v7",
            "5" or "6" or "8" => "v" + variant,
            _ => variant,
        }),
        _ => (architecture, string.IsNullOrEmpty(variant) ? null : variant),
    };
}
