namespace Longshore.LayerStore;

/// <summary>The store's files or metadata are not what they must be; <c>longshore fsck</c> says more.</summary>
public sealed class StoreCorruptException : Exception
{
    public StoreCorruptException()
    {
    }

    public StoreCorruptException(string message)
        : base(message)
    {
    }

    public StoreCorruptException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
