using k8s;
using k8s.Models;
using Longshore.Api;
using Longshore.Kube;
using OpenTelemetry.Metrics;

namespace Longshore.Operator;

/// <summary>Builds the operator's web host: controllers, webhook (HTTPS), /metrics, /healthz and /readyz (HTTP), JSON logs.</summary>
public static class OperatorHost
{
    /// <param name="time">The clock of schedules, timeouts and status times (the system clock unless a test moves it).</param>
    public static WebApplication Build(OperatorOptions options, IKubernetes? client = null, string[]? args = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = WebApplication.CreateSlimBuilder(args ?? []);
        options.Log.Configure(builder.Logging);
        var certificate = WebhookCertificate.Load(options);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            var address = System.Net.IPAddress.Parse(options.ListenAddress);
            kestrel.Listen(address, options.MetricsPort);
            kestrel.Listen(address, options.WebhookPort, listen => listen.UseHttps(https =>
                // Read at every handshake: a renewed certificate is served without a restart.
                https.ServerCertificateSelector = (_, _) => certificate.Certificate));
        });
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(certificate);
        builder.Services.AddSingleton(time ?? TimeProvider.System);
        builder.Services.AddSingleton(client ?? new Kubernetes(KubeConfiguration.Load(options.Kubeconfig)));
        if (options.WebhookCertificateDirectory is not null)
        {
            builder.Services.AddHostedService<WebhookCertificateFiles>();
        }
        else if (options.WebhookCertificateSecret is not null)
        {
            builder.Services.AddHostedService<WebhookCertificateRenewal>();
        }

        builder.Services.AddSingleton<ImageResolver>();
        builder.Services.AddSingleton<NodeStatusGuard>();
        builder.Services.AddSingleton(new ControllerRuntimeOptions
        {
            LeaderElection = options.LeaderElection,
            Namespace = options.Namespace,
            LeaseName = options.LeaseName,
            LeaseDuration = options.LeaseDuration,
            Identity = options.Identity,
            Workers = options.Workers,
        });
        builder.Services.AddSingleton<ImagePrePullMetrics>();
        builder.Services.AddSingleton<NodeHeartbeatMetrics>();
        builder.Services.AddSingleton<PolicyLockCache>();
        builder.Services.AddController<V1Alpha1ImagePrePull, ImagePrePullReconciler>()
            .WithFinalizer(ImagePrePullReconciler.Finalizer)
            .Owns<V1Alpha1NodeImage>(ImagePrePullReconciler.OwnersOf, ImagePrePullReconciler.NodeImageChanged)
            .Watches<V1Node>((_, prePulls) => prePulls.Items.Select(p => ResourceKey.Of(p)), Predicates.NodeChanged);
        builder.Services.AddController<V1Namespace, NamespaceLabelReconciler>()
            .Named("namespace-labels")
            .WithPredicate(NamespaceLabelReconciler.LabelsChanged)
            .Watches<V1Alpha1ImagePolicy>(NamespaceLabelReconciler.NamespaceOf, Predicates.Any);
        builder.Services.AddSingleton<ImagePruneMetrics>();
        builder.Services.AddController<V1Alpha1ImagePrune, ImagePruneReconciler>()
            .WithFinalizer(ImagePruneReconciler.Finalizer)
            .WithPredicate(ImagePruneReconciler.PruneChanged)
            .Owns<V1Alpha1NodeImage>(ImagePruneReconciler.OwnersOf, ImagePruneReconciler.NodeImageChanged)
            .Watches<V1Node>(ImagePruneReconciler.RunningPrunes, Predicates.NodeChanged);
        builder.Services.AddSingleton<ImagePolicyMetrics>();
        builder.Services.AddController<V1Alpha1ImagePolicy, ImagePolicyReconciler>()
            .WithFinalizer(ImagePolicyReconciler.Finalizer)
            .WithPredicate(ImagePolicyReconciler.PolicyChanged)
            .Owns<V1Alpha1NodeImage>(ImagePolicyReconciler.OwnersOf, ImagePrePullReconciler.NodeImageChanged)
            .Watches<V1Pod>(ImagePolicyReconciler.PoliciesOf, ImagePolicyReconciler.PodChanged)
            .Watches<V1Node>((_, policies) => policies.Items.Where(p => p.Spec.EnsureOnNodes).Select(p => ResourceKey.Of(p)), Predicates.NodeChanged);
        builder.Services.AddLeaderService<CronWakeups>();
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(ControllerMetrics.MeterName, ImagePrePullMetrics.MeterName, ImagePolicyMetrics.MeterName)
            // ASP.NET Core's http.server.request.duration (http_route label): the webhooks' latency on the dashboard.
            .AddMeter("Microsoft.AspNetCore.Hosting")
            .AddPrometheusExporter());

        var app = builder.Build();
        // Its gauge reads the NodeImage informer at scrape time; made now so the instrument exists from the first scrape.
        app.Services.GetRequiredService<NodeHeartbeatMetrics>();
        // Namespaces have no built-in informer client; the lock cache subscribes before the informers start.
        app.Services.GetRequiredService<InformerRegistry>().AddClient(c => new NamespaceClient(c));
        app.Services.GetRequiredService<PolicyLockCache>();
        // Quartz wakes the controllers at their objects' cron times, in the leader; it follows the informers from their first list.
        var wakeups = app.Services.GetRequiredService<CronWakeups>();
        wakeups.Follow<V1Alpha1ImagePrune>(PruneSchedule.WakeupOf);
        wakeups.Follow<V1Alpha1ImagePolicy>(PolicyRefresh.ScheduleOf);
        app.MapPrometheusScrapingEndpoint("/metrics");
        app.MapGet("/healthz", () => Results.Text("ok"));
        app.MapGet("/readyz", (ControllerRuntime controllers) =>
            !certificate.Ready ? Results.Text("no webhook certificate yet", statusCode: 503)
            : controllers.Ready ? Results.Text("ok")
            : Results.Text("caches not synced", statusCode: 503));
        app.MapPost("/validate", AdmissionEndpoint.HandleAsync);
        app.MapPost("/pin", PodAdmissionEndpoint.HandlePinAsync);
        app.MapPost("/enforce", PodAdmissionEndpoint.HandleEnforceAsync);
        return app;
    }
}
