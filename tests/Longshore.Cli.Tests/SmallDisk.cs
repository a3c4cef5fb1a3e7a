using Longshore.TestBed;

namespace Longshore.Cli.Tests;

/// <summary>A tmpfs of a few megabytes mounted for one test (needs root), so the store on it can really run out of space.</summary>
internal sealed class SmallDisk : IDisposable
{
    private readonly TempDirectory _mountPoint;
    private readonly List<string> _fillers = [];

    private SmallDisk(TempDirectory mountPoint) => _mountPoint = mountPoint;

    public string Path => _mountPoint.Path;

    public long Available => new DriveInfo(Path).AvailableFreeSpace;

    public static async Task<SmallDisk> MountAsync(int megabytes)
    {
        var mountPoint = TempDirectory.Create("longshore-small-disk");
        (await ProcessRunner.RunAsync("mount", ["-t", "tmpfs", "-o", $"size={megabytes}m", "tmpfs", mountPoint.Path])).EnsureSuccess();
        return new SmallDisk(mountPoint);
    }

    public string Combine(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>Takes space with a filler file until at most <paramref name="leave"/> bytes are free (0: until the disk refuses).</summary>
    public void Fill(long leave)
    {
        var filler = Combine($"filler-{_fillers.Count}");
        _fillers.Add(filler);
        using var file = new FileStream(filler, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0);
        foreach (var chunk in new[] { 1 << 16, 1 << 12 })
        {
            var block = new byte[chunk];
            try
            {
                while (Available - chunk >= leave)
                {
                    file.Write(block);
                }
            }
            catch (IOException)
            {
                // The disk is full at this chunk size; a smaller one takes what is left.
            }
        }
    }

    public void Free()
    {
        foreach (var filler in _fillers)
        {
            File.Delete(filler);
        }

        _fillers.Clear();
    }

    public void Dispose()
    {
        var unmount = ProcessRunner.RunAsync("umount", [Path]).GetAwaiter().GetResult();
        if (unmount.ExitCode != 0)
        {
            // Still busy (a file left open by a failed test): detach it so the folder can go.
            ProcessRunner.RunAsync("umount", ["--lazy", Path]).GetAwaiter().GetResult().EnsureSuccess();
        }

        _mountPoint.Dispose();
    }
}
