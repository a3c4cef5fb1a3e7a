using Longshore.Runtime;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Longshore.Agent;

/// <summary>
/// Asks the runtime a cheap question (its image filesystem) every <see cref="AgentOptions.RuntimeProbeInterval"/> and
/// records the outcome in <see cref="RuntimeHealth"/>. Each check dials the socket path afresh when the old connection
/// broke, so an agent that mounts the socket's folder follows a restarted runtime to its new socket.
/// </summary>
public sealed class RuntimeProbe(IImageRuntime runtime, RuntimeHealth health, AgentOptions options, TimeProvider time, ILogger<RuntimeProbe> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            await CheckAsync(stoppingToken);
            try
            {
                await Task.Delay(options.RuntimeProbeInterval, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>One check; a check that takes longer than the interval counts as failed.</summary>
    public async Task CheckAsync(CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(options.RuntimeProbeInterval);
        try
        {
            await runtime.FilesystemUsageAsync(deadline.Token);
            if (!health.Up && health.ConsecutiveFailures > 0)
            {
                logger.LogInformation("the image runtime answers again after {Failures} failed check(s)", health.ConsecutiveFailures);
            }

            health.Succeeded();
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is RuntimeException or OperationCanceledException or IOException)
        {
            var error = e is OperationCanceledException ? $"no answer within {options.RuntimeProbeInterval.TotalSeconds:0.#}s" : e.Message;
            var failures = health.Failed(error);
            if (failures == health.FailureThreshold)
            {
                logger.LogError("the image runtime failed {Failures} checks in a row ({Error}); liveness now fails", failures, error);
            }
            else if (failures < health.FailureThreshold)
            {
                logger.LogWarning("the image runtime did not answer ({Error}); check {Failures} of {Threshold} before liveness fails", error, failures, health.FailureThreshold);
            }
        }
    }
}
