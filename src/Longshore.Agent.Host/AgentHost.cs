using k8s;
using Longshore.Hosting;
using Longshore.Kube;
using Longshore.Runtime;
using OpenTelemetry.Metrics;

namespace Longshore.Agent;

/// <summary>Builds the agent's host: the NodeImage reconciler, the runtime probe, /metrics, /healthz and /readyz, console logs (text unless asked for JSON).</summary>
public static class AgentHost
{
    public static WebApplication Build(AgentOptions options, IKubernetes? client = null, IImageRuntime? runtime = null, ConsoleLog? log = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = WebApplication.CreateSlimBuilder();
        (log ?? new ConsoleLog()).Configure(builder.Logging);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(System.Net.IPAddress.Parse(options.ListenAddress), options.MetricsPort));
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(client ?? new Kubernetes(KubeConfiguration.Load(options.Kubeconfig)));
        builder.Services.AddSingleton(runtime ?? AgentRuntime.Create(options));
        builder.Services.AddSingleton(sp => new RuntimeHealth(options.RuntimeFailureThreshold, sp.GetRequiredService<TimeProvider>()));
        builder.Services.AddHostedService<RuntimeProbe>();
        builder.Services.AddSingleton<ControllerMetrics>();
        builder.Services.AddSingleton<AgentMetrics>();
        builder.Services.AddSingleton<AgentService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<AgentService>());
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddMeter(AgentMetrics.MeterName, ControllerMetrics.MeterName).AddPrometheusExporter());
        var app = builder.Build();
        app.MapPrometheusScrapingEndpoint("/metrics");
        // Liveness is the runtime's: an agent that cannot reach it for several checks in a row is restarted by kubelet.
        app.MapGet("/healthz", (RuntimeHealth runtime) => runtime.IsLive
            ? Results.Text("ok")
            : Results.Text($"the image runtime failed {runtime.ConsecutiveFailures} checks in a row since {runtime.FailingSince:O}: {runtime.LastError}", statusCode: 503));
        app.MapGet("/readyz", (AgentService agent) => agent.Ready ? Results.Text("ok") : Results.Text("not synced", statusCode: 503));
        return app;
    }
}
