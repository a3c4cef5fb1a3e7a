namespace Longshore.Transfer;

/// <summary>Where one layer of a pull is, in Docker's words.</summary>
public enum LayerPullStatus
{
    Waiting,
    Downloading,
    Verifying,
    AlreadyExists,
    DownloadComplete,
    PullComplete,
}
