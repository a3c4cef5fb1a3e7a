using System.Diagnostics.Metrics;
using Longshore.Api;
using Longshore.Kube;
using Longshore.Runtime;
using Longshore.TestBed;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Longshore.Agent.Tests;

/// <summary>The agent's metrics as a listener on its meter reads them, after real pulls and passes against an in-memory runtime.</summary>
public sealed class AgentMetricsTests : IAsyncDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _time = new(Start);
    private readonly FakeImageRuntime _runtime = new();
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly MetricsReader _reader;
    private readonly AgentMetrics _metrics;
    private readonly PullScheduler _pulls;

    public AgentMetricsTests()
    {
        var factory = _services.GetRequiredService<IMeterFactory>();
        _reader = new MetricsReader(factory);
        _metrics = new AgentMetrics(factory);
        _pulls = new PullScheduler(_runtime, 2, new Backoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(8)), _time, NullLogger.Instance, metrics: _metrics);
    }

    public async ValueTask DisposeAsync()
    {
        await _pulls.DisposeAsync();
        _reader.Dispose();
        await _services.DisposeAsync();
    }

    private static PullRequest Request(string reference) => new(reference, null, null, TimeSpan.FromSeconds(60), 3) { TimeoutText = "60s" };

    private static WantedImage Wanted(string reference, bool pin) =>
        new() { Reference = reference, Pin = pin, Owners = [new ImageOwner { Kind = "ImagePrePull", Namespace = "default", Name = "web" }] };

    [Fact]
    public async Task Counts_pulls_by_result_and_records_their_duration_in_seconds()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _runtime.OnPull = (reference, _, token) => reference.Contains("missing", StringComparison.Ordinal)
            ? throw new RuntimeException($"pull {reference} failed: not found", RuntimeErrorKind.NotFound)
            : gate.Task.WaitAsync(token);
        var completed = 0;
        _pulls.Completed += (_, _) => Interlocked.Increment(ref completed);

        _pulls.Request(Request("registry.test/missing:1"), Start);
        await Poll.UntilAsync(() => Volatile.Read(ref completed) == 1, "the failing pull ends");
        _pulls.Request(Request("registry.test/web:1"), Start);
        await Poll.UntilAsync(() => _runtime.Pulling == 1, "the pull runs");
        _time.Advance(TimeSpan.FromSeconds(2.5));
        gate.SetResult();
        await Poll.UntilAsync(() => Volatile.Read(ref completed) == 2, "the pull ends");

        _reader.Values("longshore_agent_pulls_total", "result", "success").Should().Equal(1);
        _reader.Values("longshore_agent_pulls_total", "result", "failure").Should().Equal(1);
        _reader.Values("longshore_agent_pull_duration_seconds").Should().BeEquivalentTo([0.0, 2.5], "the failure took no time, the pull 2.5 s of the agent's clock");
    }

    [Fact]
    public async Task Counts_the_bytes_of_pulled_images_once_and_the_wanted_present_and_pinned_images_after_each_pass()
    {
        var sync = new NodeImageSync(_runtime, _pulls, _time, NullLogger.Instance, _metrics);
        _runtime.Add("sha256:" + new string('a', 64), ["registry.test/kept:1"], size: 7_000);
        _runtime.OnPull = (reference, _, token) => reference.Contains("slow", StringComparison.Ordinal) ? Task.Delay(Timeout.Infinite, token) : Task.CompletedTask;
        var spec = new NodeImageSpec { Images = [Wanted("registry.test/kept:1", pin: true), Wanted("registry.test/new:1", pin: false), Wanted("registry.test/slow:1", pin: true)] };

        var completed = 0;
        _pulls.Completed += (_, _) => Interlocked.Increment(ref completed);

        var status = (await sync.SyncAsync(spec, null, 1, CancellationToken.None)).Status;
        _reader.Gauge("longshore_agent_images_wanted").Should().Be(3);
        _reader.Gauge("longshore_agent_images_present").Should().Be(1);
        _reader.Gauge("longshore_agent_images_pinned").Should().Be(1);

        await Poll.UntilAsync(() => Volatile.Read(ref completed) == 1, "the new image is pulled");
        status = (await sync.SyncAsync(spec, status, 1, CancellationToken.None)).Status;
        status = (await sync.SyncAsync(spec, status, 1, CancellationToken.None)).Status;
        status.Images!.Single(i => i.Reference == "registry.test/new:1").Phase.Should().Be(ImagePhase.Present);
        _reader.Gauge("longshore_agent_images_wanted").Should().Be(3);
        _reader.Gauge("longshore_agent_images_present").Should().Be(2);
        _reader.Gauge("longshore_agent_images_pinned").Should().Be(1, "the new image is not to be pinned and the slow one is not there yet");
        _reader.Values("longshore_agent_pulled_bytes_total").Should().Equal([100.0], "only the pulled image counts, once; the one already there was not pulled");
    }
}
