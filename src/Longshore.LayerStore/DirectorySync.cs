using System.Runtime.InteropServices;

namespace Longshore.LayerStore;

/// <summary>
/// fsync(2) on a directory: a rename or create inside it survives power loss only once the directory itself is flushed
/// (the file's own fsync covers its data, not its name). .NET will not open a directory as a file, so this opens it with
/// open(2) directly.
/// </summary>
public static partial class DirectorySync
{
    private const int ReadOnly = 0;
    private const int CloseOnExec = 0x80000;
    private const int Interrupted = 4;

    // O_DIRECTORY differs between Linux architectures (040000 on ARM, 0200000 on x86 and most others).
    private static readonly int OnlyDirectory = RuntimeInformation.ProcessArchitecture is Architecture.Arm or Architecture.Arm64 ? 0x4000 : 0x10000;

    /// <summary>Flushes <paramref name="directory"/>'s entries to disk (Linux; elsewhere the rename is left to the file system).</summary>
    public static void Flush(string directory)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        int descriptor;
        do
        {
            descriptor = Open(directory, ReadOnly | OnlyDirectory | CloseOnExec);
        }
        while (descriptor < 0 && Marshal.GetLastPInvokeError() == Interrupted);

        if (descriptor < 0)
        {
            throw Failure("open", directory);
        }

        try
        {
            if (Fsync(descriptor) != 0)
            {
                throw Failure("fsync", directory);
            }
        }
        finally
        {
            _ = Close(descriptor);
        }
    }

    private static IOException Failure(string call, string directory)
    {
        var error = Marshal.GetLastPInvokeError();
        return new IOException($"cannot flush directory {directory} to disk: {call} failed: {Marshal.GetPInvokeErrorMessage(error)}");
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int descriptor);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int descriptor);
}
