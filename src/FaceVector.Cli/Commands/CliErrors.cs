using FaceVector.Core.Models;
using FaceVector.Core.Pipeline;

namespace FaceVector.Cli.Commands;

/// <summary>Exit codes and error printing shared by the commands.</summary>
internal static class CliErrors
{
    /// <summary>Bad input (a file, a flag): the message names it.</summary>
    public const int InputError = 2;

    /// <summary>Models missing or unloadable.</summary>
    public const int ModelError = 3;

    public static int Fail(string message, int code = InputError)
    {
        Console.Error.WriteLine($"facevector: {message}");
        return code;
    }

    /// <summary>Loads the models, turning a missing model into advice rather than a stack trace.</summary>
    public static FaceAnalyzer CreateAnalyzer(FaceAnalyzerOptions options)
    {
        try
        {
            return new FaceAnalyzer(options);
        }
        catch (Exception ex) when (ex is ModelNotFoundException or InvalidDataException)
        {
            throw new CliException(ex.Message + $" (model directory: {options.Models.Path}, from {options.Models.Origin})", ModelError);
        }
    }
}

/// <summary>An error meant for the user: printed without a stack trace, with its exit code.</summary>
internal sealed class CliException(string message, int exitCode = CliErrors.InputError) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
