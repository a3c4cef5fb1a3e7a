using System.Formats.Tar;

namespace Longshore.LayerStore;

/// <summary>
/// Unpacks an image archive into a folder, refusing any entry that would land outside it: absolute paths, <c>..</c>
/// components, and symbolic or hard links whose targets leave the folder. Links inside are materialised as copies, so
/// nothing on disk points anywhere afterwards. Device, FIFO and other special entries are refused.
/// </summary>
internal static class ArchiveExtractor
{
    public static async Task ExtractAsync(Stream source, string folder, CancellationToken cancellationToken)
    {
        var links = new List<(string Path, string Target, string Entry)>();
        await using var reader = new TarReader(source, leaveOpen: true);
        while (await NextEntryAsync(reader, cancellationToken) is { } entry)
        {
            var path = Inside(folder, entry.Name);
            switch (entry.EntryType)
            {
                case TarEntryType.Directory:
                    Directory.CreateDirectory(path);
                    break;
                case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                    Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                    await using (var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20, FileOptions.Asynchronous))
                    {
                        if (entry.DataStream is { } data)
                        {
                            await data.CopyToAsync(file, cancellationToken);
                        }
                    }

                    break;
                case TarEntryType.SymbolicLink:
                    // Relative to the link's own folder; absolute targets are out by definition.
                    if (Path.IsPathRooted(entry.LinkName))
                    {
                        throw new InvalidDataException($"archive entry '{entry.Name}' is a link to an absolute path '{entry.LinkName}', which leaves the archive");
                    }

                    links.Add((path, Inside(folder, Path.GetRelativePath(folder, Path.Combine(Path.GetDirectoryName(path)!, entry.LinkName)), entry.Name), entry.Name));
                    break;
                case TarEntryType.HardLink:
                    links.Add((path, Inside(folder, entry.LinkName, entry.Name), entry.Name));
                    break;
                case TarEntryType.GlobalExtendedAttributes or TarEntryType.ExtendedAttributes:
                    break;
                default:
                    throw new InvalidDataException($"archive entry '{entry.Name}' is a {entry.EntryType}, which an image archive does not contain");
            }
        }

        // Links may point at entries that come later in the archive, and at other links.
        for (var pass = 0; pass < 8 && links.Count > 0; pass++)
        {
            links = links.Where(link =>
            {
                if (!File.Exists(link.Target))
                {
                    return true;
                }

                Directory.CreateDirectory(Path.GetDirectoryName(link.Path)!);
                File.Copy(link.Target, link.Path, overwrite: true);
                return false;
            }).ToList();
        }

        if (links.Count > 0)
        {
            throw new InvalidDataException($"archive entry '{links[0].Entry}' links to a file the archive does not contain");
        }
    }

    /// <summary>The next tar entry; input that is no tar (or a damaged one) is an <see cref="InvalidDataException"/> saying so.</summary>
    private static async Task<TarEntry?> NextEntryAsync(TarReader reader, CancellationToken cancellationToken)
    {
        try
        {
            return await reader.GetNextEntryAsync(copyData: false, cancellationToken);
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or ArgumentException or EndOfStreamException)
        {
            throw new InvalidDataException($"the input is not a tar archive, or a damaged one: {e.Message}", e);
        }
    }

    /// <summary>The full path of an archive member, or an error when it would leave <paramref name="folder"/>.</summary>
    public static string Inside(string folder, string name, string? entry = null)
    {
        entry ??= name;
        if (string.IsNullOrEmpty(name) || Path.IsPathRooted(name) || name.Contains('\0', StringComparison.Ordinal))
        {
            throw new InvalidDataException($"archive entry '{entry}' has an absolute or empty path; entries must stay inside the archive");
        }

        var parts = name.Replace('\\', '/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Any(p => p == ".."))
        {
            throw new InvalidDataException($"archive entry '{entry}' climbs out with '..'; entries must stay inside the archive");
        }

        var root = Path.GetFullPath(folder);
        var full = Path.GetFullPath(Path.Combine(root, Path.Combine(parts.Where(p => p != ".").ToArray())));
        if (full != root && !full.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"archive entry '{entry}' resolves outside the archive");
        }

        return full;
    }
}
