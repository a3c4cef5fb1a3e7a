namespace Longshore.Kube;

/// <summary>A registered controller, built into a runnable one when the runtime starts (after registration, before the informers).</summary>
public abstract class ControllerDefinition
{
    public abstract string Name { get; }

    internal abstract RunnableController Build(IServiceProvider services, ControllerRuntimeOptions options);
}
