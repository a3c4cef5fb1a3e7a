using System.Collections.Concurrent;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Longshore.Kube;

/// <summary>
/// Records core/v1 Events about objects. A repeat of the same reason and message for the same object bumps the count
/// of the existing Event instead of creating another, as kubelet and controller-manager do.
/// </summary>
public sealed class EventRecorder(IKubernetes client, string component, ILogger? logger = null, TimeProvider? time = null)
{
    private readonly ConcurrentDictionary<string, (string Namespace, string Name, int Count)> _recent = new(StringComparer.Ordinal);
    private readonly ILogger _logger = logger ?? NullLogger.Instance;
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public Task NormalAsync(IKubernetesObject<V1ObjectMeta> item, string reason, string message, CancellationToken cancellationToken = default) =>
        RecordAsync(item, "Normal", reason, message, cancellationToken);

    public Task WarningAsync(IKubernetesObject<V1ObjectMeta> item, string reason, string message, CancellationToken cancellationToken = default) =>
        RecordAsync(item, "Warning", reason, message, cancellationToken);

    public async Task RecordAsync(IKubernetesObject<V1ObjectMeta> item, string type, string reason, string message, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        var @namespace = string.IsNullOrEmpty(item.Metadata.NamespaceProperty) ? "default" : item.Metadata.NamespaceProperty;
        var key = $"{item.Metadata.Uid}|{type}|{reason}|{message}";
        try
        {
            if (_recent.TryGetValue(key, out var seen))
            {
                var count = seen.Count + 1;
                await client.CoreV1.PatchNamespacedEventAsync(
                    new V1Patch(KubernetesJson.Serialize(new { count, lastTimestamp = now }), V1Patch.PatchType.MergePatch),
                    seen.Name,
                    seen.Namespace,
                    cancellationToken: cancellationToken);
                _recent[key] = (seen.Namespace, seen.Name, count);
                return;
            }

            var created = await client.CoreV1.CreateNamespacedEventAsync(
                new Corev1Event
                {
                    Metadata = new V1ObjectMeta { GenerateName = $"{item.Metadata.Name}.", NamespaceProperty = @namespace },
                    InvolvedObject = new V1ObjectReference
                    {
                        ApiVersion = item.ApiVersion,
                        Kind = item.Kind,
                        Name = item.Metadata.Name,
                        NamespaceProperty = item.Metadata.NamespaceProperty,
                        Uid = item.Metadata.Uid,
                        ResourceVersion = item.Metadata.ResourceVersion,
                    },
                    Type = type,
                    Reason = reason,
                    Message = message.Length > 1024 ? message[..1024] : message,
                    Source = new V1EventSource { Component = component },
                    ReportingComponent = component,
                    FirstTimestamp = now,
                    LastTimestamp = now,
                    Count = 1,
                },
                @namespace,
                cancellationToken: cancellationToken);
            _recent[key] = (@namespace, created.Metadata.Name, 1);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // An Event is best effort: failing to record one must not fail a reconcile.
            _logger.LogWarning("could not record event {Reason} for {Name}: {Error}", reason, item.Metadata.Name, e.Message);
            _recent.TryRemove(key, out _);
        }
    }
}
