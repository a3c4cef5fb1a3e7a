using Longshore.LayerStore;
using Longshore.Oci;
using Longshore.Registry;
using Longshore.TestBed;
using Longshore.Testing;

namespace Longshore.Transfer.Tests;

/// <summary>A fresh store in a temporary folder, a puller over it and a registry client, for one test.</summary>
internal sealed class TransferScope : IDisposable
{
    private readonly TempDirectory _directory = TempDirectory.Create("longshore-transfer");

    public TransferScope()
    {
        Store = ImageStore.Open(_directory.Combine("store"));
        Puller = new ImagePuller(Store);
        Registry = new RegistryClient(new RegistryClientOptions { MaxRetries = 1, RetryBaseDelay = TimeSpan.FromMilliseconds(10) });
    }

    public ImageStore Store { get; private set; }

    public ImagePuller Puller { get; private set; }

    public RegistryClient Registry { get; }

    public string Root => Store.Root;

    public ImageStore Reopen()
    {
        Store.Dispose();
        Store = ImageStore.Open(Root);
        Puller = new ImagePuller(Store);
        return Store;
    }

    public Task<PullResult> PullAsync(string reference, Platform? platform = null, IProgress<PullProgress>? progress = null, CancellationToken cancellationToken = default) =>
        Puller.PullAsync(ImageReference.Parse(reference), Registry, new PullOptions { Platform = platform ?? Platform.Parse("linux/amd64") }, progress, cancellationToken);

    public void Dispose()
    {
        Registry.Dispose();
        Store.Dispose();
        _directory.Dispose();
    }
}
