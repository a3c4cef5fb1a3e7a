namespace Longshore.LayerStore;

/// <summary>What fsck checked and found; with repair, what it removed to make the store consistent again.</summary>
public sealed record FsckReport(int BlobsChecked, int ImagesChecked, IReadOnlyList<FsckProblem> Problems, IReadOnlyList<string> Repairs)
{
    public bool Clean => Problems.Count == 0;
}
