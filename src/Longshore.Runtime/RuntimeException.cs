namespace Longshore.Runtime;

/// <summary>The runtime refused or failed an operation; the message is what the runtime said.</summary>
public sealed class RuntimeException : Exception
{
    public RuntimeException()
    {
    }

    public RuntimeException(string message)
        : base(message)
    {
    }

    public RuntimeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
