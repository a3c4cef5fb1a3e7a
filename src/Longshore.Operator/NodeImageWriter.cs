using k8s;
using k8s.Models;
using Longshore.Api;
using Longshore.Kube;

namespace Longshore.Operator;

/// <summary>
/// Writes planned NodeImage specs for every owner kind (ImagePrePull, ImagePolicy): only the NodeImages whose entries
/// differ from what they hold (or whose Node owner is stale), several at once, through the shared caches.
/// </summary>
public sealed class NodeImageWriter(InformerRegistry informers, IKubernetes client)
{
    private readonly ObjectCache<V1Node> _nodes = informers.For<V1Node>().Cache;
    private readonly ObjectCache<V1Alpha1NodeImage> _nodeImages = informers.For<V1Alpha1NodeImage>().Cache;
    private readonly CustomResourceClient<V1Alpha1NodeImage> _nodeImageClient = new(client);

    /// <summary>What every NodeImage holds now, as values to plan against.</summary>
    public Dictionary<string, ValueList<PlannedImage>> CurrentEntries() =>
        _nodeImages.Items.ToDictionary(n => n.Metadata.Name, n => PlannedImage.From(n.Spec.Images), StringComparer.Ordinal);

    /// <summary>The status the node's agent reports, if any.</summary>
    public NodeImageStatus? StatusOf(string node) => _nodeImages.Get(new ResourceKey(string.Empty, node))?.Status;

    /// <summary>Writes the NodeImages whose planned entries differ from what they hold (or whose Node owner is stale).</summary>
    public Task WriteAsync(IReadOnlyDictionary<string, ValueList<PlannedImage>> desired, Dictionary<string, ValueList<PlannedImage>> current, CancellationToken cancellationToken) =>
        // Node writes are independent: several at once keep fan-out to large fleets short.
        Parallel.ForEachAsync(
            desired,
            new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken },
            async (entry, ct) =>
            {
                var (name, images) = entry;
                var existing = _nodeImages.Get(new ResourceKey(string.Empty, name));
                var node = _nodes.Get(new ResourceKey(string.Empty, name));
                await WriteSpecAsync(existing, name, images, current.TryGetValue(name, out var now) && now.Equals(images), node, ct);
            });

    /// <summary>
    /// Creates or patches a NodeImage. It is owned by its Node, so the cluster's garbage collector removes it with the
    /// node; a node re-registered under the same name (new UID) takes the NodeImage over.
    /// </summary>
    private async Task WriteSpecAsync(V1Alpha1NodeImage? existing, string name, ValueList<PlannedImage> images, bool unchanged, V1Node? node, CancellationToken cancellationToken)
    {
        var owners = node?.Metadata.Uid is { Length: > 0 } uid
            ? new List<V1OwnerReference> { new() { ApiVersion = "v1", Kind = "Node", Name = node.Metadata.Name, Uid = uid } }
            : null;
        var wanted = images.Select(i => i.ToWanted()).ToList();
        if (existing is null)
        {
            if (wanted.Count == 0)
            {
                return;
            }

            var created = await _nodeImageClient.CreateAsync(
                new V1Alpha1NodeImage
                {
                    Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string> { ["app.kubernetes.io/managed-by"] = "longshore" }, OwnerReferences = owners },
                    Spec = new NodeImageSpec { Images = wanted },
                },
                cancellationToken);
            _nodeImages.Set(created);
            return;
        }

        var ownersChanged = owners is not null && existing.Metadata.OwnerReferences?.Any(o => o.Kind == "Node" && o.Uid == owners[0].Uid) != true;
        if (!ownersChanged && unchanged)
        {
            return;
        }

        // The resourceVersion makes a stale write fail with 409; the queue retries with a fresh view.
        object metadata = ownersChanged
            ? new { resourceVersion = existing.Metadata.ResourceVersion, ownerReferences = owners }
            : new { resourceVersion = existing.Metadata.ResourceVersion };
        var updated = await _nodeImageClient.PatchAsync(null, name, new { metadata, spec = new { images = wanted } }, cancellationToken);
        _nodeImages.Set(updated);
    }
}
