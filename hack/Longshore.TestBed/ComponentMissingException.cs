namespace Longshore.TestBed;

/// <summary>A real component a test needs is not installed. Always a failure: tests never skip silently.</summary>
public sealed class ComponentMissingException : Exception
{
    public ComponentMissingException(string executable, string debianPackage)
        : base($"'{executable}' was not found on PATH; install the Debian package '{debianPackage}' (make test does: hack/deps.sh)")
    {
        Executable = executable;
        DebianPackage = debianPackage;
    }

    public ComponentMissingException()
    {
    }

    public ComponentMissingException(string message)
        : base(message)
    {
    }

    public ComponentMissingException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public string Executable { get; } = string.Empty;

    public string DebianPackage { get; } = string.Empty;
}
