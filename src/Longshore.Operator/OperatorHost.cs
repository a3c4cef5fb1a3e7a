using k8s;
using Longshore.Kube;
using OpenTelemetry.Metrics;

namespace Longshore.Operator;

/// <summary>Builds the operator's web host: controllers, webhook (HTTPS), /metrics, /healthz and /readyz (HTTP), JSON logs.</summary>
public static class OperatorHost
{
    public static WebApplication Build(OperatorOptions options, IKubernetes? client = null, string[]? args = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = WebApplication.CreateSlimBuilder(args ?? []);
        options.Log.Configure(builder.Logging);
        var certificate = WebhookCertificate.Load(options);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            var address = System.Net.IPAddress.Parse(options.ListenAddress);
            kestrel.Listen(address, options.MetricsPort);
            kestrel.Listen(address, options.WebhookPort, listen => listen.UseHttps(certificate.Certificate));
        });
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(certificate);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(client ?? new Kubernetes(KubeConfiguration.Load(options.Kubeconfig)));
        builder.Services.AddSingleton<ImageResolver>();
        builder.Services.AddSingleton<NodeStatusGuard>();
        builder.Services.AddSingleton<ControllerService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ControllerService>());
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(ControllerMetrics.MeterName, OperatorMetrics.MeterName)
            .AddPrometheusExporter());

        var app = builder.Build();
        app.MapPrometheusScrapingEndpoint("/metrics");
        app.MapGet("/healthz", () => Results.Text("ok"));
        app.MapGet("/readyz", (ControllerService controllers) => controllers.Ready ? Results.Text("ok") : Results.Text("caches not synced", statusCode: 503));
        app.MapPost("/validate", AdmissionEndpoint.HandleAsync);
        return app;
    }
}
