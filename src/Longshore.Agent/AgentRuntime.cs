using Longshore.LayerStore;
using Longshore.Registry;
using Longshore.Runtime;

namespace Longshore.Agent;

/// <summary>The image runtime an agent drives, chosen from its options.</summary>
public static class AgentRuntime
{
    /// <summary>The embedded store when asked for, else the CRI runtime at the configured or detected socket.</summary>
    public static IImageRuntime Create(AgentOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.EmbeddedStore is { } folder)
        {
            return new EmbeddedImageRuntime(ImageStore.Open(folder), new RegistryClientOptions { InsecureRegistries = options.InsecureRegistries });
        }

        var socket = CriSockets.Detect(options.RuntimeSocket)
            ?? throw new RuntimeException($"no CRI socket found (tried {string.Join(", ", CriSockets.Known)}); pass --runtime-socket or --embedded-store");
        return new CriImageRuntime(socket);
    }
}
