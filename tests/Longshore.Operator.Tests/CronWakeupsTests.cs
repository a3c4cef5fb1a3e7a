using k8s;
using k8s.Models;
using Longshore.Api;
using Longshore.Kube;
using Longshore.TestBed;
using Longshore.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Longshore.Operator.Tests;

/// <summary>
/// The leader's Quartz scheduler against a real API server (informers) and a real work queue: triggers follow the
/// objects, a firing queues the object's key, and nothing is scheduled or fired outside a leadership term.
/// </summary>
public sealed class CronWakeupsTests(KubeApiServerFixture fixture) : IClassFixture<KubeApiServerFixture>, IAsyncLifetime
{
    /// <summary>Every second: Quartz cron has a seconds field, the API's 5-field schedules do not.</summary>
    private static readonly WakeupTime EverySecond = new("* * * * * ?", TimeZoneInfo.Utc);

    private readonly CancellationTokenSource _stop = new();
    private Kubernetes _client = null!;
    private InformerRegistry _informers = null!;
    private Task _watching = Task.CompletedTask;

    private CustomResourceClient<V1Alpha1ImagePrune> Prunes => new(_client);

    private CustomResourceClient<V1Alpha1ImagePolicy> Policies => new(_client);

    public async Task InitializeAsync()
    {
        await fixture.Server.InstallCrdsAsync(KubeApiServer.RepositoryFile("config/crd/bases"));
        _client = fixture.Server.CreateClient();
        _informers = new InformerRegistry(_client, NullLoggerFactory.Instance, TimeProvider.System);
    }

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        await _watching;
        _stop.Dispose();
        _client.Dispose();
    }

    [Fact]
    public async Task A_trigger_queues_its_objects_key_only_while_leading()
    {
        var (wakeups, queue) = Wakeups();
        wakeups.FollowExpression<V1Alpha1ImagePrune>(p => p.Metadata.Name.StartsWith("wake-", StringComparison.Ordinal) && !p.Spec.Suspend ? EverySecond : null);
        await Prunes.CreateAsync(Prune("wake-active", "@daily"));
        await Prunes.CreateAsync(Prune("wake-suspended", "@daily", suspend: true));
        await StartInformersAsync();

        // Before the lease: no scheduler, so nothing is queued though several firings' worth of time passes.
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        queue.Depth.Should().Be(0, "nothing fires before leadership is acquired");
        (await wakeups.TriggersAsync(CancellationToken.None)).Should().BeEmpty();

        var first = new CancellationTokenSource();
        var term = wakeups.LeadAsync(first.Token);
        var woken = await TakeAsync(queue, 3);
        woken.Should().AllBeEquivalentTo(new ResourceKey(string.Empty, "wake-active"), "only the object with a trigger is woken, by its own key");
        (await wakeups.TriggersAsync(CancellationToken.None)).Keys.Should().Equal(("ImagePrune", "wake-active"));

        // The lease is lost: the scheduler shuts down and fires no more.
        await first.CancelAsync();
        await term;
        (await wakeups.TriggersAsync(CancellationToken.None)).Should().BeEmpty();
        await DrainAsync(queue);
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        queue.Depth.Should().Be(0, "nothing fires after leadership is lost");

        // Taking the lease again builds a new scheduler from the objects.
        using var second = new CancellationTokenSource();
        term = wakeups.LeadAsync(second.Token);
        (await TakeAsync(queue, 1)).Should().Equal(new ResourceKey(string.Empty, "wake-active"));
        await second.CancelAsync();
        await term;
        first.Dispose();
        await Prunes.DeleteAsync(null, "wake-active");
        await Prunes.DeleteAsync(null, "wake-suspended");
    }

    [Fact]
    public async Task Triggers_follow_schedule_time_zone_suspend_and_deletion_of_prunes_and_policies()
    {
        var (wakeups, _) = Wakeups();
        wakeups.Follow<V1Alpha1ImagePrune>(PruneSchedule.WakeupOf);
        wakeups.Follow<V1Alpha1ImagePolicy>(PolicyRefresh.ScheduleOf);
        await Prunes.CreateAsync(Prune("follow-before", "30 2 * * *"));
        await StartInformersAsync();
        using var leading = new CancellationTokenSource();
        var term = wakeups.LeadAsync(leading.Token);

        // An object that existed before the term is scheduled when it starts.
        await TriggerIs(wakeups, ("ImagePrune", "follow-before"), new WakeupTime("0 30 2 * * ?", TimeZoneInfo.Utc));

        await Prunes.CreateAsync(Prune("follow", "*/15 * * * 1-5", timeZone: "Europe/Berlin"));
        var berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
        await TriggerIs(wakeups, ("ImagePrune", "follow"), new WakeupTime("0 0,15,30,45 * ? * 2,3,4,5,6", berlin));

        await Prunes.PatchAsync(null, "follow", new { spec = new { schedule = "@hourly", timeZone = "UTC" } });
        await TriggerIs(wakeups, ("ImagePrune", "follow"), new WakeupTime("0 0 * * * ?", TimeZoneInfo.Utc));

        await Prunes.PatchAsync(null, "follow", new { spec = new { suspend = true } });
        await TriggerIs(wakeups, ("ImagePrune", "follow"), null);
        await Prunes.PatchAsync(null, "follow", new { spec = new { suspend = false } });
        await TriggerIs(wakeups, ("ImagePrune", "follow"), new WakeupTime("0 0 * * * ?", TimeZoneInfo.Utc));

        // A schedule that cannot be read (the webhook would refuse it; here only the schema checks) has no trigger.
        await Prunes.PatchAsync(null, "follow", new { spec = new { schedule = "61 * * * *" } });
        await TriggerIs(wakeups, ("ImagePrune", "follow"), null);
        await Prunes.PatchAsync(null, "follow", new { spec = new { schedule = "@daily" } });
        await TriggerIs(wakeups, ("ImagePrune", "follow"), new WakeupTime("0 0 0 * * ?", TimeZoneInfo.Utc));

        await Policies.CreateAsync(new V1Alpha1ImagePolicy
        {
            Metadata = new V1ObjectMeta { Name = "refresh", NamespaceProperty = "default" },
            Spec = new ImagePolicySpec { Images = [new PolicyImage { Repository = "registry.example/app", Tag = "1" }], RefreshSchedule = "0 3 * * 1", TimeZone = "America/New_York" },
        });
        await TriggerIs(wakeups, ("ImagePolicy", "default/refresh"), new WakeupTime("0 0 3 ? * 2", TimeZoneInfo.FindSystemTimeZoneById("America/New_York")));
        await Policies.PatchAsync("default", "refresh", new { spec = new { refreshSchedule = "@hourly" } });
        await TriggerIs(wakeups, ("ImagePolicy", "default/refresh"), new WakeupTime("0 0 * * * ?", TimeZoneInfo.FindSystemTimeZoneById("America/New_York")));

        await Prunes.DeleteAsync(null, "follow");
        await Policies.DeleteAsync("default", "refresh");
        await TriggerIs(wakeups, ("ImagePrune", "follow"), null);
        await TriggerIs(wakeups, ("ImagePolicy", "default/refresh"), null);
        (await wakeups.TriggersAsync(CancellationToken.None)).Keys.Should().Contain(("ImagePrune", "follow-before"), "other objects keep theirs");

        await leading.CancelAsync();
        await term;
        await Prunes.DeleteAsync(null, "follow-before");
    }

    private static V1Alpha1ImagePrune Prune(string name, string schedule, bool suspend = false, string? timeZone = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new ImagePruneSpec { Schedule = schedule, Suspend = suspend, TimeZone = timeZone },
    };

    /// <summary>The next <paramref name="count"/> keys the queue hands out (each marked done, so a later firing queues it again).</summary>
    private static async Task<List<ResourceKey>> TakeAsync(WorkQueue<ResourceKey> queue, int count)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var keys = new List<ResourceKey>();
        while (keys.Count < count)
        {
            var key = await queue.GetAsync(timeout.Token);
            keys.Add(key);
            queue.Done(key);
        }

        return keys;
    }

    private static async Task DrainAsync(WorkQueue<ResourceKey> queue)
    {
        while (queue.Depth > 0)
        {
            queue.Done(await queue.GetAsync(CancellationToken.None));
        }
    }

    private static Task TriggerIs(CronWakeups wakeups, (string Kind, string Key) trigger, WakeupTime? expected) =>
        Poll.UntilAsync(
            async () => (await wakeups.TriggersAsync(CancellationToken.None)).GetValueOrDefault(trigger) == expected ? "ok" : null,
            $"the trigger of {trigger.Kind} {trigger.Key} is {expected?.ToString() ?? "gone"}",
            30);

    private (CronWakeups Wakeups, WorkQueue<ResourceKey> Queue) Wakeups()
    {
        var queues = new ControllerQueues();
        var queue = new WorkQueue<ResourceKey>();
        queues.Attach<V1Alpha1ImagePrune>(queue);
        queues.Attach<V1Alpha1ImagePolicy>(queue);
        return (new CronWakeups(_informers, queues, TimeProvider.System, NullLoggerFactory.Instance), queue);
    }

    private async Task StartInformersAsync()
    {
        _watching = _informers.RunAsync(_stop.Token);
        await _informers.WaitForSyncAsync(_stop.Token);
    }
}
