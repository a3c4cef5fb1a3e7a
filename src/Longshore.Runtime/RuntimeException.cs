namespace Longshore.Runtime;

/// <summary>The runtime refused or failed an operation; the message is what the runtime said, <see cref="Kind"/> what it typed.</summary>
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

    public RuntimeException(string message, RuntimeErrorKind kind, Exception? innerException = null)
        : base(message, innerException)
    {
        Kind = kind;
    }

    public RuntimeErrorKind Kind { get; }
}
