using System.CommandLine;
using FaceVector.Cli.Commands;
using FaceVector.Index.Embedded;

try
{
    return await FaceVectorCommand.Build().Parse(args).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (CliException ex)
{
    return CliErrors.Fail(ex.Message, ex.ExitCode);
}
catch (StoreFileException ex)
{
    // A wrong --db or journal file: one line naming it, the file left as it was.
    return CliErrors.Fail(ex.Message);
}
catch (OperationCanceledException)
{
    return CliErrors.Fail("cancelled", 130);
}
