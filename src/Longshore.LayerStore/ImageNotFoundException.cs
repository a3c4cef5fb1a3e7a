namespace Longshore.LayerStore;

/// <summary>No image matches the name, tag, digest or ID the caller gave.</summary>
public sealed class ImageNotFoundException : Exception
{
    public ImageNotFoundException()
    {
    }

    public ImageNotFoundException(string message)
        : base(message)
    {
    }

    public ImageNotFoundException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public static ImageNotFoundException For(string image) => new($"No such image: {image}");
}
