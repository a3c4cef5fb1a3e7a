namespace Longshore.TestBed;

/// <summary>The real <c>skopeo</c>: publishes test images to registries and cross-checks what Longshore writes.</summary>
public static class Skopeo
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);

    public static string Executable => ComponentLocator.Require("skopeo", "skopeo");

    public static async Task<ProcessResult> CopyAsync(string source, string destination, IEnumerable<string>? extraArguments = null, CancellationToken cancellationToken = default)
    {
        string[] arguments = ["--insecure-policy", "copy", "--quiet", "--src-tls-verify=false", "--dest-tls-verify=false", .. extraArguments ?? [], source, destination];
        return (await ProcessRunner.RunAsync(Executable, arguments, timeout: Timeout, cancellationToken: cancellationToken)).EnsureSuccess();
    }

    public static async Task<string> InspectAsync(string reference, bool raw = false, IEnumerable<string>? extraArguments = null, CancellationToken cancellationToken = default)
    {
        string[] arguments = ["--insecure-policy", "inspect", "--tls-verify=false", .. raw ? ["--raw"] : Array.Empty<string>(), .. extraArguments ?? [], reference];
        return (await ProcessRunner.RunAsync(Executable, arguments, timeout: Timeout, cancellationToken: cancellationToken)).EnsureSuccess().StandardOutput;
    }

    /// <summary>Pushes the image byte for byte: the registry then serves exactly <see cref="BuiltImage.ManifestDigest"/>.</summary>
    public static async Task PublishAsync(BuiltImage image, RegistryServer registry, string repositoryAndTag, CancellationToken cancellationToken = default)
    {
        if (image.ManifestMediaType != Oci.MediaTypes.OciManifest)
        {
            // skopeo's oci: source reads only OCI media types; Docker-typed images go up over the plain API.
            var (repository, tag) = Split(repositoryAndTag);
            await RegistryPusher.PushAsync(registry, repository, image.Blobs, [(tag, image.ManifestMediaType, image.ManifestBytes)], cancellationToken);
            return;
        }

        using var layout = TempDirectory.Create("longshore-layout");
        await OciLayoutWriter.WriteAsync(layout.Path, image, "publish", cancellationToken);
        await CopyAsync($"oci:{layout.Path}:publish", $"docker://{registry.Reference(repositoryAndTag)}", CredentialArguments(registry, "--preserve-digests"), cancellationToken);
    }

    public static async Task PublishAsync(BuiltIndex index, RegistryServer registry, string repositoryAndTag, CancellationToken cancellationToken = default)
    {
        if (index.MediaType != Oci.MediaTypes.OciIndex || index.Images.Any(i => i.ManifestMediaType != Oci.MediaTypes.OciManifest))
        {
            var (repository, tag) = Split(repositoryAndTag);
            await RegistryPusher.PushAsync(
                registry,
                repository,
                index.Images.SelectMany(i => i.Blobs),
                [.. index.Images.Select(i => (i.ManifestDigest.ToString(), i.ManifestMediaType, i.ManifestBytes)), (tag, index.MediaType, index.Bytes)],
                cancellationToken);
            return;
        }

        using var layout = TempDirectory.Create("longshore-layout");
        await OciLayoutWriter.WriteAsync(layout.Path, index, "publish", cancellationToken);
        await CopyAsync($"oci:{layout.Path}:publish", $"docker://{registry.Reference(repositoryAndTag)}", CredentialArguments(registry, "--preserve-digests", "--all"), cancellationToken);
    }

    private static (string Repository, string Tag) Split(string repositoryAndTag)
    {
        var colon = repositoryAndTag.LastIndexOf(':');
        return colon > 0 && !repositoryAndTag[colon..].Contains('/', StringComparison.Ordinal)
            ? (repositoryAndTag[..colon], repositoryAndTag[(colon + 1)..])
            : (repositoryAndTag, "latest");
    }

    private static string[] CredentialArguments(RegistryServer registry, params string[] arguments) =>
        registry.Username is null ? arguments : [.. arguments, "--dest-creds", $"{registry.Username}:{registry.Password}"];
}
