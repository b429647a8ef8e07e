using System.Security.Cryptography;

namespace FaceVector.Cli.Tests;

/// <summary>
/// Wrong store files given to <c>--db</c>: every command answers one line naming the file and the problem, exit code
/// 2, and leaves the file (and its folder) exactly as it was; <c>serve</c> refuses to start.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class StoreFileTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public static TheoryData<string> Problems => ["random", "empty", "directory", "readonly", "unreadable", "foreign"];

    public static TheoryData<string, string> Commands()
    {
        var data = new TheoryData<string, string>();
        foreach (string problem in new[] { "random", "empty", "directory", "readonly", "unreadable", "foreign" })
        {
            foreach (string command in new[] { "stats", "query", "delete", "index", "erase" })
            {
                // An empty file is what SQLite creates first: 'index' takes it as a new store (a run killed at that
                // moment must not block the next); the commands that only read or delete refuse it.
                if (!(problem == "empty" && command == "index"))
                {
                    data.Add(problem, command);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public async Task A_bad_store_is_one_line_exit_2_and_untouched(string problem, string command)
    {
        string db = MakeStore(problem);
        string before = Fingerprint(db);
        CliRun run = await FaceVectorProcess.RunAsync(Arguments(command, db), timeout: TimeSpan.FromMinutes(2));

        Assert.True(run.ExitCode == 2, $"exit {run.ExitCode}: {run.Stderr}");
        string line = Assert.Single(run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(db, line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Stderr, StringComparison.Ordinal); // no stack trace
        Assert.Equal(before, Fingerprint(db));
        Assert.False(File.Exists(db + "-wal") || File.Exists(db + "-shm"), "SQLite files were created beside the bad store");
    }

    [Theory]
    [InlineData("stats")]
    [InlineData("query")]
    [InlineData("delete")]
    [InlineData("erase")]
    public async Task Read_and_delete_commands_never_create_a_store_or_a_mistyped_folder(string command)
    {
        string typoFolder = _temp.File("no-such-folder");
        string db = Path.Combine(typoFolder, "faces.db");
        CliRun run = await FaceVectorProcess.RunAsync(Arguments(command, db));
        Assert.True(run.ExitCode == 2, $"exit {run.ExitCode}: {run.Stderr}");
        Assert.Contains("does not exist", run.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(typoFolder));

        string missing = _temp.File("missing.db");
        CliRun again = await FaceVectorProcess.RunAsync(Arguments(command, missing));
        Assert.True(again.ExitCode == 2, again.Stderr);
        Assert.Contains("no such store", again.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(missing));
    }

    [Theory]
    [InlineData("random")]
    [InlineData("readonly")]
    public async Task Serve_refuses_to_start_on_a_bad_store(string problem)
    {
        string db = MakeStore(problem);
        CliRun run = await FaceVectorProcess.RunAsync(["serve", "--port", "0", "--http-port", "0", "--db", db], timeout: TimeSpan.FromMinutes(1));
        Assert.True(run.ExitCode == 2, $"exit {run.ExitCode}: {run.Stderr}");
        Assert.Contains(db, run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Stderr, StringComparison.Ordinal);
    }

    private static string[] Arguments(string command, string db) => command switch
    {
        "query" => ["query", "--query", TestData.FacesDevFile("barack_obama/obama.jpg"), "--db", db],
        "delete" or "erase" => [command, "--tag", "who=nobody", "--db", db],
        "index" => ["index", TestData.FacesDevFile("barack_obama"), "--db", db],
        _ => [command, "--db", db],
    };

    private string MakeStore(string problem)
    {
        string db = _temp.File($"{problem}.db");
        switch (problem)
        {
            case "random":
                File.WriteAllBytes(db, RandomNumberGenerator.GetBytes(64 << 10));
                break;
            case "empty":
                File.WriteAllBytes(db, []);
                break;
            case "directory":
                Directory.CreateDirectory(db);
                break;
            case "readonly":
                CopyRealStore(db);
                File.SetUnixFileMode(db, UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
                break;
            case "unreadable":
                CopyRealStore(db);
                File.SetUnixFileMode(db, UnixFileMode.None);
                break;
            case "foreign":
                // Another program's SQLite database: FaceVector must not add its tables to it.
                using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={db};Pooling=False"))
                {
                    connection.Open();
                    using var command = connection.CreateCommand();
                    command.CommandText = "CREATE TABLE notes(id INTEGER PRIMARY KEY, text TEXT); INSERT INTO notes(text) VALUES ('mine')";
                    command.ExecuteNonQuery();
                }

                break;
        }

        return db;
    }

    /// <summary>A real (empty) FaceVector store: SQLite header and schema, in rollback mode so it is one file.</summary>
    private static void CopyRealStore(string db)
    {
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={db};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "CREATE TABLE collections(name TEXT PRIMARY KEY); CREATE TABLE faces(id BLOB)";
            command.ExecuteNonQuery();
        }
    }

    private static string Fingerprint(string path)
    {
        if (Directory.Exists(path))
        {
            return "dir:" + string.Join(',', Directory.EnumerateFileSystemEntries(path));
        }

        var info = new FileInfo(path);
        UnixFileMode mode = File.GetUnixFileMode(path);
        File.SetUnixFileMode(path, mode | UnixFileMode.UserRead);
        string hash = Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));
        File.SetUnixFileMode(path, mode);
        return $"{info.Length}:{info.LastWriteTimeUtc.Ticks}:{mode}:{hash}";
    }

    public void Dispose()
    {
        foreach (string file in Directory.EnumerateFiles(_temp.Path))
        {
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        _temp.Dispose();
    }
}
