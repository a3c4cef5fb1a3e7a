namespace Longshore.LayerStore;

/// <summary>The operation would break something that depends on the image (pinned, in use, several repositories); force overrides.</summary>
public sealed class ImageConflictException : Exception
{
    public ImageConflictException()
    {
    }

    public ImageConflictException(string message)
        : base(message)
    {
    }

    public ImageConflictException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
