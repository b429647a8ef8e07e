using System.Diagnostics;
using FaceVector.Core.Files;
using FaceVector.Core.Imaging;

namespace FaceVector.Core.Tests.Security;

/// <summary>Regular files only, never blocking: FIFOs, devices, directories and (when asked) links are refused at once.</summary>
public sealed class RegularFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("facevector-regular-").FullName;

    [Fact]
    public async Task A_fifo_is_refused_at_once_by_the_reader_and_the_image_loader()
    {
        string fifo = Path.Combine(_dir, "photo.jpg");
        using (Process mkfifo = Process.Start("mkfifo", fifo))
        {
            await mkfifo.WaitForExitAsync();
            Assert.Equal(0, mkfifo.ExitCode);
        }

        var clock = Stopwatch.StartNew();
        // Run off the test thread: if it blocked, the test fails on the timeout instead of hanging.
        NotARegularFileException read = await Task.Run(() => Assert.Throws<NotARegularFileException>(() => RegularFile.ReadAllBytes(fifo, 1 << 20)))
            .WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Contains("FIFO", read.Message, StringComparison.Ordinal);

        ImageLoadException load = await Task.Run(() => Assert.Throws<ImageLoadException>(() => new ImageLoader().Load(fifo))).WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(ImageLoadFailure.Unreadable, load.Failure);
        Assert.Contains("FIFO", load.Message, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20));
    }

    [Fact]
    public void A_link_is_refused_without_following_and_followed_when_allowed()
    {
        string photo = TestData.FacesDevFile(Path.Combine("barack_obama", "obama.jpg"));
        string link = Path.Combine(_dir, "link.jpg");
        File.CreateSymbolicLink(link, photo);
        var refused = Assert.Throws<NotARegularFileException>(() => RegularFile.ReadAllBytes(link, 64 << 20, followLinks: false));
        Assert.Contains("symbolic link", refused.Message, StringComparison.Ordinal);
        Assert.Equal(File.ReadAllBytes(photo), RegularFile.ReadAllBytes(link, 64 << 20, followLinks: true));

        string passwd = Path.Combine(_dir, "passwd.jpg");
        File.CreateSymbolicLink(passwd, "/etc/passwd");
        Assert.Throws<NotARegularFileException>(() => RegularFile.ReadAllBytes(passwd, 1 << 20, followLinks: false));
    }

    [Theory]
    [InlineData("/dev/zero", "character device")]
    [InlineData("/dev/null", "character device")]
    [InlineData("/tmp", "directory")]
    public void Special_files_are_refused_and_named(string path, string kind)
    {
        var ex = Assert.Throws<NotARegularFileException>(() => RegularFile.ReadAllBytes(path, 1 << 20));
        Assert.Contains(kind, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Files_that_report_size_zero_are_read_to_their_end_and_within_the_limit()
    {
        // /proc files say 0 bytes; the reader must not trust that (nor read past the limit).
        byte[] environ = RegularFile.ReadAllBytes("/proc/self/status", 1 << 20);
        Assert.NotEmpty(environ);
        Assert.Throws<NotARegularFileException>(() => RegularFile.ReadAllBytes("/proc/self/status", 16));
    }

    [Fact]
    public void A_missing_file_is_file_not_found()
    {
        Assert.Throws<FileNotFoundException>(() => RegularFile.ReadAllBytes(Path.Combine(_dir, "missing.jpg"), 1 << 20));
        Assert.Equal(ImageLoadFailure.Unreadable, Assert.Throws<ImageLoadException>(() => new ImageLoader().Load(Path.Combine(_dir, "missing.jpg"))).Failure);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
