using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace FaceVector.Core.Files;

/// <summary>Why a path was not read as a regular file.</summary>
public sealed class NotARegularFileException(string path, string reason, Exception? inner = null)
    : IOException($"{path}: {reason}", inner)
{
    public string Path { get; } = path;

    public string Reason { get; } = reason;
}

/// <summary>
/// Reads regular files only, without ever blocking on what is not one: the file type is checked before opening
/// (lstat) and again on the open handle (fstat), and the file is opened non-blocking, so a FIFO, a device, a socket
/// or a directory put in place of a photo is refused instead of hanging the reader. With
/// <c>followLinks: false</c> the last path component must not be a symbolic link (O_NOFOLLOW), so a photo swapped
/// for a link to <c>/etc/passwd</c> is refused too. Files are read to their end (not to the size the file system
/// reports, which is 0 for <c>/proc</c> files) and never beyond <c>maxBytes</c>.
/// </summary>
public static partial class RegularFile
{
    public static byte[] ReadAllBytes(string path, long maxBytes, bool followLinks = true)
    {
        using SafeFileHandle handle = Open(path, followLinks);
        return ReadToEnd(handle, path, maxBytes);
    }

    /// <summary>Opens <paramref name="path"/> for reading if, and only if, it is a regular file.</summary>
    public static SafeFileHandle Open(string path, bool followLinks)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return OperatingSystem.IsLinux() ? OpenLinux(path, followLinks) : OpenPortable(path, followLinks);
    }

    private static byte[] ReadToEnd(SafeFileHandle handle, string path, long maxBytes)
    {
        long length = RandomAccess.GetLength(handle);
        if (length > maxBytes)
        {
            throw new NotARegularFileException(path, $"file is {length:N0} bytes, over the limit of {maxBytes:N0}");
        }

        // The reported length is a hint: /proc files say 0 and a file may grow while it is read.
        var buffer = new MemoryStream(length is > 0 and <= int.MaxValue ? (int)length : 0);
        byte[] chunk = new byte[81920];
        long offset = 0;
        int read;
        while ((read = RandomAccess.Read(handle, chunk, offset)) > 0)
        {
            offset += read;
            if (offset > maxBytes)
            {
                throw new NotARegularFileException(path, $"file is over the limit of {maxBytes:N0} bytes");
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.Length == buffer.Capacity ? buffer.GetBuffer() : buffer.ToArray();
    }

    private static SafeFileHandle OpenPortable(string path, bool followLinks)
    {
        var info = new FileInfo(path);
        if (!followLinks && info.Attributes.HasFlag(FileAttributes.ReparsePoint))
        {
            throw new NotARegularFileException(path, "is a symbolic link, not a regular file");
        }

        if (info.Attributes.HasFlag(FileAttributes.Directory))
        {
            throw new NotARegularFileException(path, "is a directory, not a regular file");
        }

        return File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
    }

    private static SafeFileHandle OpenLinux(string path, bool followLinks)
    {
        // Before opening: opening a FIFO for reading, or a device, can block or have side effects.
        CheckType(path, Stat(AtFdCwd, path, followLinks ? 0 : AtSymlinkNoFollow, path), followLinks);
        int flags = ORdOnly | ONonBlock | OCloExec | (followLinks ? 0 : ONoFollow);
        int fd = OpenNative(path, flags);
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            string reason = errno == ELoop ? "is a symbolic link, not a regular file" : Marshal.GetPInvokeErrorMessage(errno);
            throw new NotARegularFileException(path, reason);
        }

        var handle = new SafeFileHandle(fd, ownsHandle: true);
        try
        {
            // After opening: the path may have been swapped between the two looks; the handle is what will be read.
            CheckType(path, Stat(fd, string.Empty, AtEmptyPath, path), followLinks);
            return handle;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    private static void CheckType(string path, ushort mode, bool followLinks)
    {
        string? problem = (mode & SIfMt) switch
        {
            SIfReg => null,
            SIfDir => "is a directory, not a regular file",
            SIfLnk => followLinks ? "is a dangling symbolic link" : "is a symbolic link, not a regular file",
            SIfIfo => "is a FIFO (named pipe), not a regular file",
            SIfChr => "is a character device, not a regular file",
            SIfBlk => "is a block device, not a regular file",
            SIfSock => "is a socket, not a regular file",
            _ => "is not a regular file",
        };
        if (problem is not null)
        {
            throw new NotARegularFileException(path, problem);
        }
    }

    /// <summary>statx: one structure layout on every Linux architecture (unlike struct stat), so no per-arch offsets.</summary>
    private static unsafe ushort Stat(int dirFd, string path, int flags, string displayPath)
    {
        byte* buffer = stackalloc byte[StatxSize];
        if (StatxNative(dirFd, path, flags, StatxType, buffer) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw errno == ENoEnt
                ? new FileNotFoundException($"{displayPath}: file not found", displayPath)
                : new NotARegularFileException(displayPath, Marshal.GetPInvokeErrorMessage(errno));
        }

        return *(ushort*)(buffer + StatxModeOffset);
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int OpenNative(string path, int flags);

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int StatxNative(int dirFd, string path, int flags, uint mask, byte* statx);

    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const int AtEmptyPath = 0x1000;
    private const uint StatxType = 0x1;
    private const int StatxSize = 256;
    private const int StatxModeOffset = 28;
    private const int ORdOnly = 0;
    private const int ONonBlock = 0x800;
    private const int OCloExec = 0x80000;
    private const int ENoEnt = 2;
    private const int ELoop = 40;
    private const int SIfMt = 0xF000;
    private const int SIfSock = 0xC000;
    private const int SIfLnk = 0xA000;
    private const int SIfReg = 0x8000;
    private const int SIfBlk = 0x6000;
    private const int SIfDir = 0x4000;
    private const int SIfChr = 0x2000;
    private const int SIfIfo = 0x1000;

    // O_NOFOLLOW is the one flag here whose value differs between Linux architectures.
    private static int ONoFollow => RuntimeInformation.ProcessArchitecture is Architecture.Arm64 or Architecture.Arm ? 0x8000 : 0x20000;
}
