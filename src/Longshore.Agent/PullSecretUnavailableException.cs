namespace Longshore.Agent;

/// <summary>The pull secret a wanted image names is missing, cannot be read, or is not a docker config.</summary>
public sealed class PullSecretUnavailableException : Exception
{
    public PullSecretUnavailableException()
    {
    }

    public PullSecretUnavailableException(string message)
        : base(message)
    {
    }

    public PullSecretUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
