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
/// (namespace k8s.io), which kubelet's image GC honours; on other runtimes pinning is reported as unsupported. On
/// containerd, what images hold on disk is read from its Content and Snapshots services on the same socket.
/// The agent's pins carry a second label, <c>longshore.io/pinned-by=agent</c>, set together with the pinned label:
/// unpinning removes only pins carrying it, so a pin someone else set (an administrator with <c>ctr</c>, containerd's own
/// pin of the sandbox image) survives, and the sandbox image is never unpinned at all.
/// </summary>
public sealed class CriImageRuntime : IImageRuntime
{
    public const string PinnedLabel = "io.cri-containerd.pinned";

    /// <summary>Marks a pinned label the agent set itself.</summary>
    public const string PinnedByLabel = "longshore.io/pinned-by";
    public const string PinnedByAgent = "agent";
    private const string ContainerdNamespace = "k8s.io";
    private const string ContentRef = "containerd.io/gc.ref.content.";
    private const string SnapshotRef = "containerd.io/gc.ref.snapshot.";

    private readonly GrpcChannel _channel;
    private readonly ImageService.ImageServiceClient _images;
    private readonly RuntimeService.RuntimeServiceClient _runtime;
    private readonly Images.ImagesClient _containerdImages;
    private readonly Events.EventsClient _containerdEvents;
    private readonly Containerd.Content.Content.ContentClient _containerdContent;
    private readonly Containerd.Snapshots.Snapshots.SnapshotsClient _containerdSnapshots;
    private RuntimeInfo? _info;
    private string? _sandboxImage;

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
        _containerdContent = new Containerd.Content.Content.ContentClient(invoker);
        _containerdSnapshots = new Containerd.Snapshots.Snapshots.SnapshotsClient(invoker);
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
        var inUse = response.Containers.Select(c => c.ImageRef).Where(r => !string.IsNullOrEmpty(r)).ToHashSet(StringComparer.Ordinal);
        // Pod sandboxes are no CRI containers, yet every pod needs the sandbox (pause) image: it counts as used.
        if (await SandboxImageAsync(cancellationToken) is { } sandbox && await ImageStatusAsync(sandbox, cancellationToken) is { } image)
        {
            inUse.Add(image.Id);
        }

        return inUse;
    }

    /// <summary>
    /// On containerd, every blob each image reaches (following the GC reference labels from its target: index, manifest,
    /// config, layers), the snapshot chain it unpacked into with each snapshot's usage, and the chains containers'
    /// snapshots hold. Elsewhere null.
    /// </summary>
    public async Task<RuntimeContent?> ContentAsync(CancellationToken cancellationToken = default)
    {
        if ((await InfoAsync(cancellationToken)).Name != "containerd")
        {
            return null;
        }

        var headers = new Metadata { { "containerd-namespace", ContainerdNamespace } };
        var blobs = new Dictionary<string, Containerd.Content.Info>(StringComparer.Ordinal);
        using (var list = _containerdContent.List(new Containerd.Content.ListContentRequest(), headers, cancellationToken: cancellationToken))
        {
            while (await Call(() => list.ResponseStream.MoveNext(cancellationToken), "list containerd content"))
            {
                foreach (var info in list.ResponseStream.Current.Info)
                {
                    blobs[info.Digest] = info;
                }
            }
        }

        var sizes = blobs.Values.ToDictionary(b => b.Digest, b => b.Size, StringComparer.Ordinal);
        var snapshotters = blobs.Values.SelectMany(b => b.Labels.Keys).Where(k => k.StartsWith(SnapshotRef, StringComparison.Ordinal)).Select(k => k[SnapshotRef.Length..]).ToHashSet(StringComparer.Ordinal);
        var parents = new Dictionary<string, string>(StringComparer.Ordinal);
        var held = new HashSet<string>(StringComparer.Ordinal);
        foreach (var snapshotter in snapshotters)
        {
            var active = new List<Containerd.Snapshots.Info>();
            using (var list = _containerdSnapshots.List(new Containerd.Snapshots.ListSnapshotsRequest { Snapshotter = snapshotter }, headers, cancellationToken: cancellationToken))
            {
                while (await Call(() => list.ResponseStream.MoveNext(cancellationToken), $"list {snapshotter} snapshots"))
                {
                    foreach (var info in list.ResponseStream.Current.Info)
                    {
                        var key = SnapshotKey(snapshotter, info.Name);
                        if (!string.IsNullOrEmpty(info.Parent))
                        {
                            parents[key] = SnapshotKey(snapshotter, info.Parent);
                        }

                        if (info.Kind == Containerd.Snapshots.Kind.Committed)
                        {
                            var usage = await Call(() => _containerdSnapshots.UsageAsync(new Containerd.Snapshots.UsageRequest { Snapshotter = snapshotter, Key = info.Name }, headers, cancellationToken: cancellationToken).ResponseAsync, $"usage of snapshot {info.Name}");
                            sizes[key] = usage.Size;
                        }
                        else
                        {
                            // A container's writable layer (or a view) changes under us: not counted, but its chain is held.
                            active.Add(info);
                        }
                    }
                }
            }

            foreach (var info in active.Where(i => !string.IsNullOrEmpty(i.Parent)))
            {
                held.UnionWith(Chain(SnapshotKey(snapshotter, info.Parent), parents));
            }
        }

        var images = await Call(() => _containerdImages.ListAsync(new Containerd.ListImagesRequest(), headers, cancellationToken: cancellationToken).ResponseAsync, "list containerd images");
        var byId = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var target in images.Images.Select(i => i.Target?.Digest).OfType<string>().Distinct(StringComparer.Ordinal))
        {
            var (id, items) = Reach(target, blobs, parents);
            if (id is null)
            {
                continue;
            }

            if (!byId.TryGetValue(id, out var all))
            {
                byId[id] = all = new HashSet<string>(StringComparer.Ordinal);
            }

            all.UnionWith(items);
        }

        return new RuntimeContent(byId.ToDictionary(i => i.Key, i => (IReadOnlyList<string>)i.Value.ToList(), StringComparer.Ordinal), sizes, held);
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

    /// <summary>
    /// Pins every containerd record (tag, digest reference, ID) of the images, marking the pins as the agent's, except
    /// on images someone else pinned (any record pinned without the mark: that image is theirs to keep pinned); unpins
    /// only records carrying the mark, and never the sandbox image's.
    /// </summary>
    private async Task LabelAsync(IReadOnlyCollection<RuntimeImage> images, bool pinned, CancellationToken cancellationToken)
    {
        var sandbox = pinned ? [] : await SandboxNamesAsync(cancellationToken);
        var headers = new Metadata { { "containerd-namespace", ContainerdNamespace } };
        var all = await Call(() => _containerdImages.ListAsync(new Containerd.ListImagesRequest(), headers, cancellationToken: cancellationToken).ResponseAsync, "list containerd images");
        var records = images.SelectMany(image =>
        {
            var names = NamesOf(image).ToHashSet(StringComparer.Ordinal);
            var mine = all.Images.Where(i => i.Target?.Digest is not null && (names.Contains(i.Name) || i.Target.Digest == image.Id)).ToList();
            return pinned
                ? mine.Any(i => IsPinned(i.Labels) && !IsAgentPin(i.Labels)) ? [] : mine.Where(i => !IsPinned(i.Labels))
                : mine.Where(i => IsAgentPin(i.Labels) && !sandbox.Contains(i.Name));
        }).DistinctBy(i => i.Name);
        foreach (var image in records)
        {
            if (pinned)
            {
                image.Labels[PinnedLabel] = "pinned";
                image.Labels[PinnedByLabel] = PinnedByAgent;
            }
            else
            {
                image.Labels.Remove(PinnedLabel);
                image.Labels.Remove(PinnedByLabel);
            }

            var update = new UpdateImageRequest { Image = image, UpdateMask = new Google.Protobuf.WellKnownTypes.FieldMask() };
            update.UpdateMask.Paths.Add($"labels.{PinnedLabel}");
            update.UpdateMask.Paths.Add($"labels.{PinnedByLabel}");
            await Call(() => _containerdImages.UpdateAsync(update, headers, cancellationToken: cancellationToken).ResponseAsync, $"label {image.Name}");
        }
    }

    private static bool IsPinned(IDictionary<string, string> labels) => labels.TryGetValue(PinnedLabel, out var value) && value == "pinned";

    private static bool IsAgentPin(IDictionary<string, string> labels) => IsPinned(labels) && labels.TryGetValue(PinnedByLabel, out var by) && by == PinnedByAgent;

    /// <summary>Every name containerd knows the sandbox image by (its tag, repo digests, ID), or none when it has not got it.</summary>
    private async Task<HashSet<string>> SandboxNamesAsync(CancellationToken cancellationToken)
    {
        if (await SandboxImageAsync(cancellationToken) is not { } sandbox)
        {
            return [];
        }

        var names = new HashSet<string>(StringComparer.Ordinal) { sandbox };
        if (ImageReference.TryParse(sandbox, out var parsed))
        {
            names.Add(parsed!.ToString());
        }

        if (await ImageStatusAsync(sandbox, cancellationToken) is { } image)
        {
            names.UnionWith(NamesOf(image));
        }

        return names;
    }

    /// <summary>
    /// What an image's target reaches through containerd's GC reference labels (blobs and snapshot chains), and its ID
    /// as CRI reports it: the config digest, preferring a config that was unpacked when an index names several.
    /// </summary>
    private static (string? Id, HashSet<string> Items) Reach(string target, Dictionary<string, Containerd.Content.Info> blobs, Dictionary<string, string> parents)
    {
        var items = new HashSet<string>(StringComparer.Ordinal);
        var configs = new List<(string Digest, bool Unpacked)>();
        var pending = new Stack<string>([target]);
        while (pending.TryPop(out var digest))
        {
            if (!items.Add(digest) || !blobs.TryGetValue(digest, out var info))
            {
                continue;
            }

            var unpacked = false;
            foreach (var (key, value) in info.Labels)
            {
                if (key.StartsWith(ContentRef, StringComparison.Ordinal))
                {
                    pending.Push(value);
                    if (key == ContentRef + "config")
                    {
                        configs.Add((value, false));
                    }
                }
                else if (key.StartsWith(SnapshotRef, StringComparison.Ordinal))
                {
                    items.UnionWith(Chain(SnapshotKey(key[SnapshotRef.Length..], value), parents));
                    unpacked = true;
                }
            }

            if (unpacked)
            {
                configs.Add((digest, true));
            }
        }

        // Items are blob digests and snapshot keys; a digest the store does not have is no item.
        items.RemoveWhere(i => !blobs.ContainsKey(i) && !i.StartsWith("snapshot:", StringComparison.Ordinal));
        var id = configs.OrderByDescending(c => c.Unpacked).Select(c => c.Digest).FirstOrDefault();
        return (id, items);
    }

    /// <summary>A snapshot and its parents, up to the base layer.</summary>
    private static IEnumerable<string> Chain(string key, Dictionary<string, string> parents)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (string? current = key; current is not null && seen.Add(current); current = parents.GetValueOrDefault(current))
        {
            yield return current;
        }
    }

    private static string SnapshotKey(string snapshotter, string name) => $"snapshot:{snapshotter}/{name}";

    /// <summary>The sandbox (pause) image containerd's CRI plugin is configured with, from its verbose status; cached.</summary>
    private async Task<string?> SandboxImageAsync(CancellationToken cancellationToken)
    {
        if (_sandboxImage is not null)
        {
            return _sandboxImage.Length == 0 ? null : _sandboxImage;
        }

        var status = await Call(() => _runtime.StatusAsync(new StatusRequest { Verbose = true }, cancellationToken: cancellationToken).ResponseAsync, "runtime status");
        _sandboxImage = string.Empty;
        if (status.Info.TryGetValue("config", out var config))
        {
            try
            {
                using var json = System.Text.Json.JsonDocument.Parse(config);
                if (json.RootElement.TryGetProperty("sandboxImage", out var image) && image.GetString() is { Length: > 0 } name)
                {
                    _sandboxImage = name;
                }
            }
            catch (System.Text.Json.JsonException)
            {
                // A runtime whose status is not containerd's JSON names no sandbox image here.
            }
        }

        return _sandboxImage.Length == 0 ? null : _sandboxImage;
    }

    private static IEnumerable<string> NamesOf(RuntimeImage image) => image.RepoTags.Concat(image.RepoDigests).Append(image.Id);

    /// <summary>The names of pinned containerd records, each with whether the agent's mark is on it.</summary>
    private async Task<Dictionary<string, bool>> PinnedIdsAsync(CancellationToken cancellationToken)
    {
        var info = await InfoAsync(cancellationToken);
        if (!info.PinningSupported)
        {
            return [];
        }

        // containerd 1.6 before 1.6.22 does not report the label as CRI's pinned field; read it where it lives.
        var headers = new Metadata { { "containerd-namespace", ContainerdNamespace } };
        var all = await Call(() => _containerdImages.ListAsync(new Containerd.ListImagesRequest(), headers, cancellationToken: cancellationToken).ResponseAsync, "list containerd images");
        return all.Images.Where(i => IsPinned(i.Labels)).ToDictionary(i => i.Name, i => IsAgentPin(i.Labels), StringComparer.Ordinal);
    }

    private static RuntimeImage ToImage(Cri.Image image, Dictionary<string, bool> pinnedNames)
    {
        var names = image.RepoTags.Concat(image.RepoDigests).Append(image.Id).Where(pinnedNames.ContainsKey).ToList();
        return new(image.Id, image.RepoTags.ToList(), image.RepoDigests.ToList(), (long)image.Size, names.Count > 0, names.Any(n => pinnedNames[n]));
    }

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
