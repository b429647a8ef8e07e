using System.CommandLine;
using FaceVector.Cli.Remote;

namespace FaceVector.Cli.Commands;

/// <summary>The <c>facevector</c> command tree.</summary>
public static class FaceVectorCommand
{
    public static RootCommand Build()
    {
        var root = new RootCommand("FaceVector: find every photo of a person. Embeddings from insightface ONNX models, kept in a vector index.");
        root.Add(SearchCommand.Build());
        root.Add(AnalyzeCommands.BuildDetect());
        root.Add(AnalyzeCommands.BuildEmbed());
        root.Add(IndexCommands.BuildIndex());
        root.Add(IndexCommands.BuildQuery());
        root.Add(IndexCommands.BuildDelete());
        root.Add(IndexCommands.BuildErase());
        root.Add(IndexCommands.BuildStats());
        root.Add(IndexCommands.BuildIngestReport());
        root.Add(MigrateCommand.Build());
        root.Add(PeopleCommands.Build());
        root.Add(ModelsCommand.Build());
        root.Add(EvalCommand.Build());
        root.Add(BenchCommand.Build());
        root.Add(ServeCommand.Build());
        root.Add(RemoteCommands.Build());
        return root;
    }
}
