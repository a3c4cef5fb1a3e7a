using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Longshore.Oci;
using Longshore.Runtime.Containerd;
using Longshore.Runtime.Cri;

namespace Longshore.Runtime;

/// <summary>
/// A CRI runtime over its unix socket (runtime.v1 ImageService and RuntimeService). On containerd, pinning sets the
/// label <c>io.cri-containerd.pinned=pinned</c> on every name of the image through containerd's own Images service
/// (namespace k8s.io), which kubelet's image GC honours; on other runtimes pinning is reported as unsupported.
/// </summary>
public sealed class CriImageRuntime : IImageRuntime
{
    public const string PinnedLabel = "io.cri-containerd.pinned";
    private const string ContainerdNamespace = "k8s.io";

    private readonly GrpcChannel _channel;
    private readonly ImageService.ImageServiceClient _images;
    private readonly RuntimeService.RuntimeServiceClient _runtime;
    private readonly Images.ImagesClient _containerdImages;
    private readonly Events.EventsClient _containerdEvents;
    private RuntimeInfo? _info;

    /// <param name="socketPath">The runtime's unix socket.</param>
    /// <param name="interceptor">Sees every gRPC call (benchmarks count them); none in production.</param>
    public CriImageRuntime(string socketPath, Interceptor? interceptor = null)
    {
        SocketPath = socketPath;
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        // Cancellation surfaces as OperationCanceledException, as everywhere else in .NET, not as an RpcException.
        _channel = GrpcChannel.ForAddress("http://localhost", new GrpcChannelOptions { HttpHandler = handler, MaxReceiveMessageSize = 64 * 1024 * 1024, ThrowOperationCanceledOnCancellation = true });
        var invoker = interceptor is null ? _channel.CreateCallInvoker() : _channel.Intercept(interceptor);
        _images = new ImageService.ImageServiceClient(invoker);
        _runtime = new RuntimeService.RuntimeServiceClient(invoker);
        _containerdImages = new Images.ImagesClient(invoker);
        _containerdEvents = new Events.EventsClient(invoker);
    }

    public string SocketPath { get; }

    public async Task<RuntimeInfo> InfoAsync(CancellationToken cancellationToken = default)
    {
        if (_info is not null)
        {
            return _info;
        }

        var version = await Call(() => _runtime.VersionAsync(new VersionRequest(), cancellationToken: cancellationToken).ResponseAsync, "version");
        var name = version.RuntimeName;
        return _info = new RuntimeInfo(name, version.RuntimeVersion, PinningSupported: name == "containerd");
    }

    public async Task<IReadOnlyList<RuntimeImage>> ListImagesAsync(CancellationToken cancellationToken = default)
    {
        var response = await Call(() => _images.ListImagesAsync(new Cri.ListImagesRequest(), cancellationToken: cancellationToken).ResponseAsync, "list images");
        var pinned = await PinnedIdsAsync(cancellationToken);
        return response.Images.Select(i => ToImage(i, pinned)).ToList();
    }

    public async Task<RuntimeImage?> ImageStatusAsync(string reference, CancellationToken cancellationToken = default)
    {
        var response = await Call(() => _images.ImageStatusAsync(new ImageStatusRequest { Image = new ImageSpec { Image = reference } }, cancellationToken: cancellationToken).ResponseAsync, $"status of {reference}");
        if (response.Image is null)
        {
            return null;
        }

        return ToImage(response.Image, await PinnedIdsAsync(cancellationToken));
    }

    public async Task<string> PullAsync(string reference, RegistryCredential? credential, CancellationToken cancellationToken = default)
    {
        var request = new PullImageRequest { Image = new ImageSpec { Image = reference } };
        if (credential is not null && !credential.IsEmpty)
        {
            request.Auth = new AuthConfig
            {
                Username = credential.Username ?? string.Empty,
                Password = credential.Password ?? string.Empty,
                IdentityToken = credential.IdentityToken ?? string.Empty,
                RegistryToken = credential.RegistryToken ?? string.Empty,
            };
        }

        var response = await Call(() => _images.PullImageAsync(request, cancellationToken: cancellationToken).ResponseAsync, $"pull {reference}");
        return response.ImageRef;
    }

    public Task RemoveAsync(string reference, CancellationToken cancellationToken = default) =>
        Call(() => _images.RemoveImageAsync(new RemoveImageRequest { Image = new ImageSpec { Image = reference } }, cancellationToken: cancellationToken).ResponseAsync, $"remove {reference}");

    public async Task PinAsync(string reference, bool pinned, CancellationToken cancellationToken = default)
    {
        await EnsurePinningAsync(cancellationToken);
        var status = await ImageStatusAsync(reference, cancellationToken) ?? throw new RuntimeException($"cannot pin {reference}: the runtime does not have it", RuntimeErrorKind.NotFound);
        await LabelAsync([status], pinned, cancellationToken);
    }

    /// <summary>Pins or unpins many listed images with one listing of containerd's records, whatever their number.</summary>
    public async Task PinAsync(IReadOnlyCollection<RuntimeImage> images, bool pinned, CancellationToken cancellationToken = default)
    {
        if (images.Count == 0)
        {
            return;
        }

        await EnsurePinningAsync(cancellationToken);
        await LabelAsync(images, pinned, cancellationToken);
    }

    public async Task<IReadOnlySet<string>> InUseImageIdsAsync(CancellationToken cancellationToken = default)
    {
        // Exited containers count too: kubelet may restart them, and removing their image would break that.
        var response = await Call(() => _runtime.ListContainersAsync(new ListContainersRequest(), cancellationToken: cancellationToken).ResponseAsync, "list containers");
        return response.Containers.Select(c => c.ImageRef).Where(r => !string.IsNullOrEmpty(r)).ToHashSet(StringComparer.Ordinal);
    }

    public async Task<ImageFilesystemUsage?> FilesystemUsageAsync(CancellationToken cancellationToken = default)
    {
        var response = await Call(() => _images.ImageFsInfoAsync(new ImageFsInfoRequest(), cancellationToken: cancellationToken).ResponseAsync, "image filesystem info");
        var fs = response.ImageFilesystems.FirstOrDefault();
        if (fs is null)
        {
            return null;
        }

        long? capacity = null;
        var mount = fs.FsId?.Mountpoint;
        if (!string.IsNullOrEmpty(mount) && Directory.Exists(mount))
        {
            capacity = new DriveInfo(mount).TotalSize;
        }

        return new ImageFilesystemUsage((long)(fs.UsedBytes?.Value ?? 0), capacity);
    }

    /// <summary>On containerd, its event stream filtered to image deletions in the CRI namespace; elsewhere nothing.</summary>
    public async IAsyncEnumerable<string> RemovedImagesAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if ((await InfoAsync(cancellationToken)).Name != "containerd")
        {
            yield break;
        }

        var request = new SubscribeRequest { Filters = { $"namespace=={ContainerdNamespace},topic==\"/images/delete\"" } };
        using var subscription = _containerdEvents.Subscribe(request, cancellationToken: cancellationToken);
        while (await Call(() => subscription.ResponseStream.MoveNext(cancellationToken), "containerd event stream"))
        {
            var envelope = subscription.ResponseStream.Current;
            yield return envelope.Event is { } payload ? ImageDelete.Parser.ParseFrom(payload.Value).Name : string.Empty;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _channel.ShutdownAsync();
        _channel.Dispose();
    }

    private async Task EnsurePinningAsync(CancellationToken cancellationToken)
    {
        var info = await InfoAsync(cancellationToken);
        if (!info.PinningSupported)
        {
            throw new NotSupportedException($"{info.Name} {info.Version} offers no way to pin images against kubelet garbage collection");
        }
    }

    /// <summary>Sets or clears the pinned label on every containerd record (tag, digest reference, ID) of the images.</summary>
    private async Task LabelAsync(IReadOnlyCollection<RuntimeImage> images, bool pinned, CancellationToken cancellationToken)
    {
        var ids = images.Select(i => i.Id).ToHashSet(StringComparer.Ordinal);
        var names = images.SelectMany(NamesOf).ToHashSet(StringComparer.Ordinal);
        var headers = new Metadata { { "containerd-namespace", ContainerdNamespace } };
        var all = await Call(() => _containerdImages.ListAsync(new Containerd.ListImagesRequest(), headers, cancellationToken: cancellationToken).ResponseAsync, "list containerd images");
        foreach (var image in all.Images.Where(i => i.Target?.Digest is { } d && (ids.Contains(d) || names.Contains(i.Name))))
        {
            var has = image.Labels.TryGetValue(PinnedLabel, out var value) && value == "pinned";
            if (has == pinned)
            {
                continue;
            }

            if (pinned)
            {
                image.Labels[PinnedLabel] = "pinned";
            }
            else
            {
                image.Labels.Remove(PinnedLabel);
            }

            var update = new UpdateImageRequest { Image = image, UpdateMask = new Google.Protobuf.WellKnownTypes.FieldMask() };
            update.UpdateMask.Paths.Add($"labels.{PinnedLabel}");
            await Call(() => _containerdImages.UpdateAsync(update, headers, cancellationToken: cancellationToken).ResponseAsync, $"label {image.Name}");
        }
    }

    private static IEnumerable<string> NamesOf(RuntimeImage image) => image.RepoTags.Concat(image.RepoDigests).Append(image.Id);

    private async Task<HashSet<string>> PinnedIdsAsync(CancellationToken cancellationToken)
    {
        var info = await InfoAsync(cancellationToken);
        if (!info.PinningSupported)
        {
            return [];
        }

        // containerd 1.6 before 1.6.22 does not report the label as CRI's pinned field; read it where it lives.
        var headers = new Metadata { { "containerd-namespace", ContainerdNamespace } };
        var all = await Call(() => _containerdImages.ListAsync(new Containerd.ListImagesRequest(), headers, cancellationToken: cancellationToken).ResponseAsync, "list containerd images");
        return all.Images.Where(i => i.Labels.TryGetValue(PinnedLabel, out var v) && v == "pinned").Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
    }

    private static RuntimeImage ToImage(Cri.Image image, HashSet<string> pinnedNames) => new(
        image.Id,
        image.RepoTags.ToList(),
        image.RepoDigests.ToList(),
        (long)image.Size,
        pinnedNames.Contains(image.Id) || image.RepoTags.Any(pinnedNames.Contains) || image.RepoDigests.Any(pinnedNames.Contains));

    private static async Task<T> Call<T>(Func<Task<T>> call, string what)
    {
        try
        {
            return await call();
        }
        catch (RpcException e) when (e.StatusCode != StatusCode.Cancelled)
        {
            throw new RuntimeException($"{what} failed: {e.Status.Detail}", KindOf(e.StatusCode), e);
        }
    }

    /// <summary>
    /// The kind a gRPC status code says. containerd turns its typed errors into codes (errdefs.ToGRPC): a reference the
    /// registry does not know is NotFound; errors it leaves untyped arrive as Unknown and stay so.
    /// </summary>
    internal static RuntimeErrorKind KindOf(StatusCode code) => code switch
    {
        StatusCode.NotFound => RuntimeErrorKind.NotFound,
        StatusCode.Unauthenticated or StatusCode.PermissionDenied => RuntimeErrorKind.Unauthorized,
        StatusCode.DeadlineExceeded => RuntimeErrorKind.TimedOut,
        StatusCode.Unavailable or StatusCode.Internal or StatusCode.Unimplemented or StatusCode.ResourceExhausted or StatusCode.DataLoss => RuntimeErrorKind.RuntimeFailure,
        _ => RuntimeErrorKind.Unknown,
    };
}
