using Longshore.TestBed;

namespace Longshore.LayerStore.Tests;

/// <summary>The directory fsync behind every blob rename, against the real file system.</summary>
public sealed class DirectorySyncTests
{
    [Fact]
    public void A_directory_is_flushed()
    {
        using var directory = TempDirectory.Create("longshore-dirsync");
        File.WriteAllText(directory.Combine("renamed"), "content");

        var flush = () => DirectorySync.Flush(directory.Path);

        flush.Should().NotThrow();
    }

    [Fact]
    public void A_regular_file_is_refused_as_not_a_directory()
    {
        // Proves the O_DIRECTORY flag is right for this architecture: without it open(2) would accept the file.
        using var directory = TempDirectory.Create("longshore-dirsync");
        var file = directory.Combine("file");
        File.WriteAllText(file, "content");

        var flush = () => DirectorySync.Flush(file);

        flush.Should().Throw<IOException>().WithMessage($"*{file}*Not a directory*");
    }

    [Fact]
    public void A_missing_directory_names_the_path()
    {
        using var directory = TempDirectory.Create("longshore-dirsync");
        var missing = directory.Combine("gone");

        var flush = () => DirectorySync.Flush(missing);

        flush.Should().Throw<IOException>().WithMessage($"*{missing}*No such file or directory*");
    }
}
