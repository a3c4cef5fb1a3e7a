using Longshore.Api;
using Longshore.Kube;
using Longshore.Oci;
using Longshore.Runtime;
using Longshore.TestBed;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Longshore.Agent.Tests;

public sealed class PullSchedulerTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _time = new(Start);
    private readonly FakeImageRuntime _runtime = new();

    private static PullRequest Request(string reference, string? digest = null, SecretReference? secret = null, int backoffLimit = 3, int timeoutSeconds = 60) =>
        new(reference, digest, secret, TimeSpan.FromSeconds(timeoutSeconds), backoffLimit) { TimeoutText = $"{timeoutSeconds}s" };

    private PullScheduler Scheduler(int slots = 2, Backoff? backoff = null, IPullCredentials? credentials = null) =>
        new(_runtime, slots, backoff ?? new Backoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(8)), _time, NullLogger.Instance, credentials);

    /// <summary>Asks until the attempt in flight has ended (the scheduler runs attempts in the background).</summary>
    private static async Task<PullState> Settled(PullScheduler scheduler, PullRequest request)
    {
        await Poll.UntilAsync(() => scheduler.StateOf(request).Phase is not (PullPhase.Queued or PullPhase.Pulling), $"the pull of {request.Reference} ends");
        return scheduler.StateOf(request);
    }

    [Fact]
    public async Task Never_runs_more_pulls_than_slots_and_queues_the_rest()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _runtime.OnPull = (_, _, token) => gate.Task.WaitAsync(token);
        await using var scheduler = Scheduler(slots: 2);
        var completed = 0;
        scheduler.Completed += (_, _) => Interlocked.Increment(ref completed);
        var requests = Enumerable.Range(0, 5).Select(i => Request($"registry.test/app{i}:1")).ToList();

        requests.Select(r => scheduler.Request(r, Start)).Should().OnlyContain(s => s.Phase == PullPhase.Queued);
        await Poll.UntilAsync(() => _runtime.Pulling == 2, "two pulls hold the two slots");
        requests.Count(r => scheduler.StateOf(r).Phase == PullPhase.Pulling).Should().Be(2);
        requests.Count(r => scheduler.StateOf(r).Phase == PullPhase.Queued).Should().Be(3);
        scheduler.Request(requests[4], Start).Phase.Should().Be(PullPhase.Queued, "asking again starts nothing new");

        gate.SetResult();
        await Poll.UntilAsync(() => Volatile.Read(ref completed) == 5, "every pull completes");
        _runtime.MaxConcurrentPulls.Should().Be(2);
        _runtime.Pulled.Should().HaveCount(5);
        requests.Should().OnlyContain(r => scheduler.StateOf(r).Phase == PullPhase.Idle && scheduler.StateOf(r).PulledAt == Start);
    }

    [Fact]
    public async Task An_attempt_past_pull_timeout_fails_with_reason_Timeout()
    {
        _runtime.OnPull = (_, _, token) => Task.Delay(Timeout.Infinite, token);
        await using var scheduler = Scheduler();
        PullCompletedEventArgs? completion = null;
        scheduler.Completed += (_, e) => completion = e;
        var request = Request("registry.test/slow:1", timeoutSeconds: 30, backoffLimit: 0);

        scheduler.Request(request, Start);
        await Poll.UntilAsync(() => _runtime.Pulling == 1, "the pull runs");
        _time.Advance(TimeSpan.FromSeconds(29));
        scheduler.StateOf(request).Phase.Should().Be(PullPhase.Pulling);
        _time.Advance(TimeSpan.FromSeconds(1));

        var state = await Settled(scheduler, request);
        state.Phase.Should().Be(PullPhase.Failed, "backoffLimit 0 allows one attempt");
        state.Reason.Should().Be(PullFailureReason.Timeout);
        state.Message.Should().Be("pull did not finish within pullTimeout 30s");
        await Poll.UntilAsync(() => completion is not null, "the completion is raised");
        completion!.State.Reason.Should().Be(PullFailureReason.Timeout);
    }

    [Fact]
    public async Task Failures_back_off_doubling_up_to_the_cap_until_backoff_limit_then_fail()
    {
        _runtime.OnPull = (reference, _, _) => throw new RuntimeException($"pull {reference} failed: not found", RuntimeErrorKind.NotFound);
        await using var scheduler = Scheduler(backoff: new Backoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(4)));
        var request = Request("registry.test/missing:1", backoffLimit: 4);
        var delays = new List<TimeSpan>();
        for (var attempt = 1; attempt <= 5; attempt++)
        {
            scheduler.Request(request, _time.GetUtcNow()).Phase.Should().Be(PullPhase.Queued, $"attempt {attempt} is due");
            var state = await Settled(scheduler, request);
            state.Failures.Should().Be(attempt);
            state.Reason.Should().Be(PullFailureReason.NotFound);
            if (attempt == 5)
            {
                state.Phase.Should().Be(PullPhase.Failed, "backoffLimit 4 allows five attempts");
                break;
            }

            state.Phase.Should().Be(PullPhase.BackingOff);
            var delay = state.NextAttempt - _time.GetUtcNow();
            delays.Add(delay);
            _time.Advance(delay - TimeSpan.FromMilliseconds(1));
            scheduler.Request(request, _time.GetUtcNow()).Phase.Should().Be(PullPhase.BackingOff, "nothing starts before the back-off has passed");
            _time.Advance(TimeSpan.FromMilliseconds(1));
        }

        delays.Should().Equal(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(4));
        _time.Advance(TimeSpan.FromHours(1));
        scheduler.Request(request, _time.GetUtcNow()).Phase.Should().Be(PullPhase.Failed, "a failed image stays failed");
        _runtime.Calls("Pull").Should().Be(5);
    }

    [Fact]
    public async Task A_new_digest_or_new_credentials_start_the_attempts_over()
    {
        _runtime.OnPull = (_, _, _) => throw new RuntimeException("denied", RuntimeErrorKind.Unauthorized);
        await using var scheduler = Scheduler();
        var first = Request("registry.test/private:1", digest: "sha256:aaa", backoffLimit: 0);
        scheduler.Request(first, Start);
        (await Settled(scheduler, first)).Should().Match<PullState>(s => s.Phase == PullPhase.Failed && s.Reason == PullFailureReason.Unauthorized);

        var moved = first with { Digest = "sha256:bbb" };
        scheduler.Request(moved, Start).Phase.Should().Be(PullPhase.Queued, "the tag moved: a new series of attempts");
        (await Settled(scheduler, moved)).Failures.Should().Be(1);

        var withSecret = moved with { Secret = new SecretReference { Namespace = "longshore-system", Name = "pull" } };
        scheduler.Request(withSecret, Start).Phase.Should().Be(PullPhase.Queued, "new credentials: a new series of attempts");
        (await Settled(scheduler, withSecret)).Failures.Should().Be(1);
        _runtime.Calls("Pull").Should().Be(3);
    }

    [Fact]
    public async Task Credentials_come_from_the_source_and_an_unreadable_secret_is_SecretUnavailable()
    {
        var credentials = new Credentials();
        await using var scheduler = Scheduler(credentials: credentials);
        var secret = new SecretReference { Namespace = "longshore-system", Name = "pull" };
        var request = Request("registry.test/private:1", secret: secret, backoffLimit: 0);

        credentials.Next = new RegistryCredential { Username = "user", Password = "pass" };
        scheduler.Request(request, Start);
        (await Settled(scheduler, request)).PulledAt.Should().NotBeNull();
        _runtime.Credentials.Should().ContainSingle().Which!.Username.Should().Be("user");

        credentials.Next = null;
        credentials.Fail = true;
        var other = Request("registry.test/private:2", secret: secret, backoffLimit: 0);
        scheduler.Request(other, Start);
        var state = await Settled(scheduler, other);
        state.Reason.Should().Be(PullFailureReason.SecretUnavailable);
        state.Message.Should().Be("pull secret longshore-system/pull cannot be read: 404 Not Found");
    }

    [Fact]
    public async Task A_pull_that_ended_after_the_listing_is_not_started_again()
    {
        await using var scheduler = Scheduler();
        var request = Request("registry.test/app:1");
        scheduler.Request(request, Start);
        await Settled(scheduler, request);

        var stale = Start - TimeSpan.FromSeconds(1);
        scheduler.Request(request, stale).Phase.Should().Be(PullPhase.Idle, "the listing predates the pull that just ended");
        _runtime.Calls("Pull").Should().Be(1);
    }

    [Fact]
    public async Task References_no_longer_wanted_are_forgotten_and_their_pull_cancelled()
    {
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _runtime.OnPull = async (_, _, token) =>
        {
            // Not a token registration: the delay's own continuation may run inside Cancel() and dispose it first.
            try
            {
                await Task.Delay(Timeout.Infinite, token);
            }
            catch (OperationCanceledException)
            {
                cancelled.TrySetResult();
                throw;
            }
        };
        await using var scheduler = Scheduler();
        var request = Request("registry.test/app:1");
        scheduler.Request(request, Start);
        await Poll.UntilAsync(() => _runtime.Pulling == 1, "the pull runs");

        scheduler.Retain(new HashSet<string>());
        await cancelled.Task.WaitAsync(TimeSpan.FromSeconds(20));
        scheduler.StateOf(request).Should().Be(PullState.None);
    }

    private sealed class Credentials : IPullCredentials
    {
        public RegistryCredential? Next { get; set; }

        public bool Fail { get; set; }

        public Task<RegistryCredential?> FindAsync(PullRequest request, CancellationToken cancellationToken) =>
            Fail
                ? throw new PullSecretUnavailableException($"pull secret {request.Secret!.Namespace}/{request.Secret.Name} cannot be read: 404 Not Found")
                : Task.FromResult(Next);
    }
}
