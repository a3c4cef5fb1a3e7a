using Longshore.Hosting;
using Longshore.Operator;

// longshore-operator: the controllers, the validating webhook, metrics and health.
// `longshore-operator --help` lists every option, its default and its environment variable.
var defaults = new OperatorOptions();
var cli = new HostCommandLine("longshore-operator", "Longshore's operator: turns ImagePrePulls into per-node NodeImages and reports their progress.");
var kubeconfig = cli.Add(HostOption.OptionalText("--kubeconfig", "PATH", "Kubeconfig to use", "in-cluster, else $KUBECONFIG or ~/.kube/config"));
var ns = cli.Add(HostOption.Text("--namespace", "NS", "The operator's namespace (its lease and webhook certificate)", defaults.Namespace, "POD_NAMESPACE"));
var pullSecretNamespace = cli.Add(HostOption.Text("--pull-secret-namespace", "NS", "Where merged copies of pull secrets are kept for the agents (only they and the operator read Secrets there)", defaults.PullSecretNamespace));
var metricsPort = cli.Add(HostOption.Port("--metrics-port", "Port for /metrics, /healthz and /readyz", defaults.MetricsPort));
var webhookPort = cli.Add(HostOption.Port("--webhook-port", "HTTPS port of the validating webhook", defaults.WebhookPort));
var certificates = cli.Add(HostOption.OptionalText("--webhook-cert-dir", "DIR", "Folder with the webhook's tls.crt and tls.key (e.g. a mounted cert-manager Secret), reloaded when they change; replaces --webhook-cert-secret", "none"));
var certificateSecret = cli.Add(HostOption.Text("--webhook-cert-secret", "NAME", "Secret in the operator's namespace where the operator keeps its own CA and webhook certificate, renews them and writes the CA into the webhook configurations", "longshore-webhook-tls"));
var webhookService = cli.Add(HostOption.Text("--webhook-service", "NAME", "The webhook's Service; NAME.NAMESPACE.svc and NAME.NAMESPACE.svc.cluster.local go into the certificate", defaults.WebhookServiceName));
var extraNames = cli.Add(HostOption.List("--webhook-extra-name", "NAME|IP", "Another DNS name or IP address for the webhook certificate"));
var validatingWebhook = cli.Add(HostOption.Text("--validating-webhook-configuration", "NAME", "ValidatingWebhookConfiguration whose caBundle the operator keeps", defaults.ValidatingWebhookName));
var mutatingWebhook = cli.Add(HostOption.Text("--mutating-webhook-configuration", "NAME", "MutatingWebhookConfiguration whose caBundle the operator keeps", defaults.MutatingWebhookName));
var listen = cli.Add(HostOption.Text("--listen-address", "IP", "Address to listen on", defaults.ListenAddress));
var insecure = cli.Add(HostOption.List("--insecure-registry", "HOST", "Registry reached over plain HTTP"));
var noLeaderElection = cli.Add(HostOption.Flag("--no-leader-election", "Run the controllers without taking the lease (one replica only)"));
var leaseDuration = cli.Add(HostOption.Seconds("--lease-duration", "Seconds a leader's lease lasts without renewal", defaults.LeaseDuration));
var identity = cli.Add(HostOption.Text("--identity", "NAME", "This replica's name in the lease", defaults.Identity, "POD_NAME"));
var pinNamespaces = cli.Add(HostOption.List("--pin-namespace", "NS", "A namespace whose ImagePrePulls and ImagePolicies may pin images on nodes (repeat; unset: every namespace)"));
var tolerationNamespaces = cli.Add(HostOption.List("--toleration-namespace", "NS", "A namespace whose ImagePrePulls may tolerate node taints (repeat; unset: every namespace)"));
var maxImages = cli.Add(HostOption.Count("--max-images-per-node", "Most images one node's NodeImage may want", TenantLimits.DefaultMaxImagesPerNode, 1, 5000));
var resolveInterval = cli.Add(HostOption.Duration("--resolve-interval", "How long a resolved digest is trusted before the registry is asked again", defaults.ResolveInterval));

return await cli.RunAsync(
    args,
    parse => defaults with
    {
        Kubeconfig = kubeconfig.Get(parse),
        Namespace = ns.Get(parse),
        PullSecretNamespace = pullSecretNamespace.Get(parse),
        MetricsPort = metricsPort.Get(parse),
        WebhookPort = webhookPort.Get(parse),
        WebhookCertificateDirectory = certificates.Get(parse),
        WebhookCertificateSecret = certificates.Get(parse) is null ? certificateSecret.Get(parse) : null,
        WebhookServiceName = webhookService.Get(parse),
        WebhookExtraNames = extraNames.Get(parse),
        ValidatingWebhookName = validatingWebhook.Get(parse),
        MutatingWebhookName = mutatingWebhook.Get(parse),
        ListenAddress = listen.Get(parse),
        InsecureRegistries = insecure.Get(parse),
        LeaderElection = !noLeaderElection.Get(parse),
        LeaseDuration = leaseDuration.Get(parse),
        Identity = identity.Get(parse),
        ResolveInterval = resolveInterval.Get(parse),
        Limits = new TenantLimits(
            pinNamespaces.Get(parse) is { Count: > 0 } pins ? pins : null,
            tolerationNamespaces.Get(parse) is { Count: > 0 } tolerating ? tolerating : null,
            maxImages.Get(parse)),
    },
    async (options, log) =>
    {
        await OperatorHost.Build(options with { Log = log }).RunAsync();
        return 0;
    });
