namespace Longshore.TestBed;

/// <summary>
/// The agent and operator images <c>make images</c> (hack/build-images.sh) builds from the Dockerfiles into buildah's
/// storage: pushed to a test registry with <c>buildah push</c> and run with <c>podman</c>.
/// </summary>
public static class LongshoreImages
{
    public const string Agent = "localhost/longshore/agent:dev";

    public const string Operator = "localhost/longshore/operator:dev";

    /// <summary>
    /// podman's default limits exceed what root may set here (no CAP_SYS_RESOURCE, a hard open-files limit of 20000).
    /// </summary>
    public static readonly string[] PodmanLimits = ["--ulimit", "nofile=20000:20000", "--ulimit", "nproc=32768:32768"];

    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    /// <summary>Fails with what to run when the image was not built.</summary>
    public static async Task RequireAsync(string image, CancellationToken cancellationToken = default)
    {
        var buildah = ComponentLocator.Require("buildah", "buildah");
        var inspect = await ProcessRunner.RunAsync(buildah, ["inspect", "--type", "image", image], timeout: Timeout, cancellationToken: cancellationToken);
        if (inspect.ExitCode != 0)
        {
            throw new ComponentMissingException($"the image {image} was not built; run 'make images' (hack/build-images.sh): {inspect.StandardError.Trim()}");
        }
    }

    /// <summary>Pushes a built image to <paramref name="registry"/> over plain HTTP; returns its reference there.</summary>
    public static async Task<string> PushAsync(string image, RegistryServer registry, string repositoryAndTag, CancellationToken cancellationToken = default)
    {
        await RequireAsync(image, cancellationToken);
        var reference = registry.Reference(repositoryAndTag);
        var credentials = registry.Username is null ? Array.Empty<string>() : ["--creds", $"{registry.Username}:{registry.Password}"];
        (await ProcessRunner.RunAsync(
            ComponentLocator.Require("buildah", "buildah"),
            ["push", "--quiet", "--tls-verify=false", .. credentials, image, $"docker://{reference}"],
            timeout: Timeout,
            cancellationToken: cancellationToken)).EnsureSuccess();
        return reference;
    }

    /// <summary>Runs a built image to completion with podman, without a network, and returns what it printed.</summary>
    public static async Task<ProcessResult> RunAsync(string image, IEnumerable<string> arguments, IEnumerable<string>? podmanOptions = null, CancellationToken cancellationToken = default)
    {
        await RequireAsync(image, cancellationToken);
        return await ProcessRunner.RunAsync(
            ComponentLocator.Require("podman", "podman"),
            ["run", "--rm", "--pull=never", "--network=none", .. PodmanLimits, .. podmanOptions ?? [], image, .. arguments],
            timeout: Timeout,
            cancellationToken: cancellationToken);
    }
}
