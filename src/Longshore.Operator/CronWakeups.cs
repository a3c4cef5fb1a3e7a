using System.Threading.Channels;
using k8s;
using k8s.Models;
using Longshore.Api;
using Longshore.Kube;
using Quartz;
using Quartz.Extensibility;

namespace Longshore.Operator;

/// <summary>
/// Quartz in the leader: one cron trigger per followed object (an ImagePrune's schedule, an ImagePolicy's
/// refreshSchedule), in the object's time zone. A firing only puts the object's key on its controller's queue; the
/// reconciler then decides from the object's status what is due (missed runs, startingDeadlineSeconds), so the planners
/// stay the one source of truth. The scheduler lives for one leadership term: built and filled from the informer caches
/// when this replica takes the lease, kept in step with every change the informers see, and shut down (not waiting for
/// jobs) when the lease is lost or the host stops. In memory, not clustered: only the leader schedules, and a new
/// leader rebuilds everything from the objects.
/// </summary>
public sealed class CronWakeups(InformerRegistry informers, ControllerQueues queues, TimeProvider time, ILoggerFactory loggers) : ILeaderService
{
    /// <summary>A firing missed by more than this (a long pause, a clock step) is dropped: the next reconcile catches up from the status.</summary>
    public static readonly TimeSpan MisfireThreshold = TimeSpan.FromMinutes(1);

    private const string JobGroup = "wakeups";
    private const string NamespaceData = "namespace";
    private const string NameData = "name";

    private readonly ILogger _logger = loggers.CreateLogger<CronWakeups>();
    private readonly List<Follower> _followers = [];
    private readonly Channel<(Follower Follower, ResourceKey Key)> _changes = Channel.CreateUnbounded<(Follower, ResourceKey)>(new UnboundedChannelOptions { SingleReader = true });
    private IScheduler? _scheduler;
    private volatile bool _leading;

    /// <summary>
    /// Keeps a trigger for every <typeparamref name="TEntity"/> that <paramref name="scheduleOf"/> gives a schedule
    /// (none: no trigger, e.g. suspended or unreadable). Call before the informers start.
    /// </summary>
    public void Follow<TEntity>(Func<TEntity, CronSchedule?> scheduleOf)
        where TEntity : IKubernetesObject<V1ObjectMeta>
    {
        ArgumentNullException.ThrowIfNull(scheduleOf);
        FollowExpression<TEntity>(item => scheduleOf(item) is { } schedule ? new WakeupTime(schedule.QuartzExpression, schedule.TimeZone) : null);
    }

    /// <summary>Runs the scheduler for one leadership term.</summary>
    public async Task LeadAsync(CancellationToken leading)
    {
        // From here every change is queued, so none made while the triggers are first written is lost.
        _leading = true;
        var factory = QuartzSchedulerBuilder.Create(quartz =>
        {
            quartz.ConfigureScheduler(o => o.InstanceName = "longshore-wakeups");
            quartz.UseInMemoryStore(o => o.MisfireThreshold = MisfireThreshold);
            quartz.UseDefaultThreadPool(2);
            quartz.UseTimeProvider(time);
            quartz.UseJobFactory(new WakeupJobFactory(this, leading));
            quartz.Services.AddSingleton(loggers);
        }).Build();
        var scheduled = new Dictionary<TriggerKey, WakeupTime>();
        IScheduler? scheduler = null;
        try
        {
            scheduler = await factory.GetScheduler(leading);
            foreach (var follower in _followers)
            {
                await scheduler.AddJob(JobBuilder.Create<Wakeup>().WithIdentity(follower.Group, JobGroup).StoreDurably().Build(), new AddJobOptions { Replace = true }, leading);
                foreach (var key in follower.Keys())
                {
                    await SyncAsync(scheduler, scheduled, follower, key, leading);
                }
            }

            await scheduler.Start(leading);
            _scheduler = scheduler;
            _logger.LogInformation("scheduling {Count} cron wake-up(s) while leading", scheduled.Count);
            await foreach (var (follower, key) in _changes.Reader.ReadAllAsync(leading))
            {
                await SyncAsync(scheduler, scheduled, follower, key, leading);
            }
        }
        catch (OperationCanceledException) when (leading.IsCancellationRequested)
        {
        }
        finally
        {
            _leading = false;
            _scheduler = null;
            if (scheduler is not null)
            {
                await scheduler.Shutdown(waitForJobsToComplete: false, CancellationToken.None);
            }

            await factory.DisposeAsync();
            _logger.LogInformation("cron wake-ups stopped: no longer leading");
        }
    }

    /// <summary>As <see cref="Follow{TEntity}"/>, with the Quartz expression and zone given directly (seconds resolution, for tests).</summary>
    internal void FollowExpression<TEntity>(Func<TEntity, WakeupTime?> timeOf)
        where TEntity : IKubernetesObject<V1ObjectMeta>
    {
        var informer = informers.For<TEntity>();
        var follower = new Follower(
            GroupOf<TEntity>(),
            key => informer.Cache.Get(key) is { } item && !Finalizers.IsDeleting(item) ? timeOf(item) : null,
            () => informer.Cache.Items.Select(i => ResourceKey.Of(i)).ToList(),
            queues.Add<TEntity>);
        _followers.Add(follower);
        informer.OnEvent(change =>
        {
            if (_leading)
            {
                _changes.Writer.TryWrite((follower, ResourceKey.Of(change.Object)));
            }
        });
    }

    /// <summary>The triggers the running scheduler holds, by kind and key (empty while not leading).</summary>
    internal async Task<IReadOnlyDictionary<(string Kind, string Key), WakeupTime>> TriggersAsync(CancellationToken cancellationToken)
    {
        if (_scheduler is not { } scheduler)
        {
            return new Dictionary<(string, string), WakeupTime>();
        }

        var headers = await scheduler.QueryTriggers(new TriggerQuery(), cancellationToken);
        var triggers = await scheduler.GetTriggers(headers.Items.Select(h => h.Key).ToList(), cancellationToken);
        return triggers.OfType<ICronTrigger>().ToDictionary(t => (t.Key.Group, t.Key.Name), t => new WakeupTime(t.CronExpressionString ?? string.Empty, t.TimeZone));
    }

    private static string GroupOf<TEntity>() =>
        (Attribute.GetCustomAttribute(typeof(TEntity), typeof(KubernetesEntityAttribute)) as KubernetesEntityAttribute)?.Kind ?? typeof(TEntity).Name;

    /// <summary>Makes the object's trigger what its current state asks for: written when new or changed, removed when it asks for none.</summary>
    private async Task SyncAsync(IScheduler scheduler, Dictionary<TriggerKey, WakeupTime> scheduled, Follower follower, ResourceKey key, CancellationToken cancellationToken)
    {
        var triggerKey = new TriggerKey(key.ToString(), follower.Group);
        var wanted = follower.TimeOf(key);
        try
        {
            if (wanted is null)
            {
                if (scheduled.Remove(triggerKey))
                {
                    await scheduler.UnscheduleJob(triggerKey, cancellationToken);
                    _logger.LogDebug("{Kind} {Key}: cron wake-up removed", follower.Group, key);
                }

                return;
            }

            if (scheduled.TryGetValue(triggerKey, out var current) && current == wanted)
            {
                return;
            }

            var trigger = TriggerBuilder.Create(time)
                .WithIdentity(triggerKey)
                .ForJob(new JobKey(follower.Group, JobGroup))
                .UsingJobData(NamespaceData, key.Namespace)
                .UsingJobData(NameData, key.Name)
                .WithSchedule(CronScheduleBuilder.Create(wanted.Expression)
                    .InTimeZone(wanted.TimeZone)
                    // Missed firings are not replayed: the planners count what was missed from the status.
                    .WithMisfireInstruction(CronTriggerMisfireInstruction.DoNothing))
                .Build();
            var first = await scheduler.ScheduleJob(trigger, ScheduleJobOptions.Replacing, cancellationToken);
            scheduled[triggerKey] = wanted;
            _logger.LogDebug("{Kind} {Key}: cron wake-up '{Expression}' in {TimeZone}, first at {First}", follower.Group, key, wanted.Expression, wanted.TimeZone.Id, first);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // One object's trigger must not stop the others; its reconciles still run on events and requeues.
            scheduled.Remove(triggerKey);
            _logger.LogWarning("{Kind} {Key}: cron wake-up could not be scheduled ({Error})", follower.Group, key, e.Message);
        }
    }

    private void Wake(string group, ResourceKey key, DateTimeOffset? scheduledTime)
    {
        var follower = _followers.FirstOrDefault(f => f.Group == group);
        if (follower?.Wake(key) == true)
        {
            _logger.LogDebug("{Kind} {Key} woken for {ScheduledTime}", group, key, scheduledTime);
        }
        else
        {
            _logger.LogWarning("{Kind} {Key}: cron wake-up found no controller to wake", group, key);
        }
    }

    private sealed record Follower(string Group, Func<ResourceKey, WakeupTime?> TimeOf, Func<IReadOnlyList<ResourceKey>> Keys, Func<ResourceKey, bool> Wake);

    /// <summary>Hands Quartz one job per firing, bound to this term: a firing after the term ended wakes nobody.</summary>
    private sealed class WakeupJobFactory(CronWakeups owner, CancellationToken leading) : IJobFactory
    {
        public ValueTask<JobScope> CreateJob(TriggerFiredBundle bundle, IScheduler scheduler, CancellationToken cancellationToken) =>
            ValueTask.FromResult(new JobScope(new Wakeup(owner, leading), null));

        public ValueTask ReturnJob(JobScope scope, CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }

    /// <summary>The job: puts the trigger's object on its controller's queue, nothing more.</summary>
    private sealed class Wakeup(CronWakeups owner, CancellationToken leading) : IJob
    {
        public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
        {
            if (!leading.IsCancellationRequested)
            {
                var data = context.MergedJobDataMap;
                owner.Wake(context.Trigger.Key.Group, new ResourceKey(data.GetString(NamespaceData) ?? string.Empty, data.GetString(NameData) ?? string.Empty), context.ScheduledFireTimeUtc);
            }

            return ValueTask.CompletedTask;
        }
    }
}
