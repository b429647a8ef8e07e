using System.CommandLine;
using FaceVector.Cli.Commands;

try
{
    return await FaceVectorCommand.Build().Parse(args).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (CliException ex)
{
    return CliErrors.Fail(ex.Message, ex.ExitCode);
}
catch (OperationCanceledException)
{
    return CliErrors.Fail("cancelled", 130);
}
