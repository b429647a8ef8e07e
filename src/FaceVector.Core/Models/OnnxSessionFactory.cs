using FaceVector.Core.Models.Graph;
using Microsoft.ML.OnnxRuntime;

namespace FaceVector.Core.Models;

/// <summary>How ONNX Runtime sessions are created.</summary>
/// <param name="IntraOpThreads">
/// Threads inside one model run. 1 by default: these models are too small for intra-op parallelism to pay, so
/// throughput comes from running different images on different cores instead.
/// </param>
/// <param name="ExecutionProvider">"cpu" (default) or "cuda"; CUDA falls back to CPU when this build lacks it.</param>
/// <param name="GraphRewrites">
/// Apply the exact load-time graph rewrites (<see cref="ModelRewriter"/>): each is checked against the original
/// graph at load and dropped with a warning when its outputs differ. False runs the file's graph as it is.
/// </param>
public sealed record OnnxRuntimeOptions(int IntraOpThreads = 1, string ExecutionProvider = "cpu", bool GraphRewrites = true)
{
    public static OnnxRuntimeOptions Default { get; } = new();
}

/// <summary>A session with what was learned while opening it.</summary>
/// <param name="Rewrites">The graph rewrites tried on the model (applied or not, with the reason).</param>
public sealed record OpenedSession(InferenceSession Session, string Provider, IReadOnlyList<GraphRewriteResult> Rewrites);

/// <summary>Creates sessions once per model file and reports which execution provider is in use.</summary>
public static class OnnxSessionFactory
{
    /// <summary>Where rejected rewrites are reported (standard error unless a host redirects it).</summary>
    public static Action<string> Warning { get; set; } = message => Console.Error.WriteLine(message);

    public static (InferenceSession Session, string Provider) Create(string modelPath, OnnxRuntimeOptions options, SessionOptions? sessionOptions = null)
    {
        OpenedSession opened = Open(modelPath, options, sessionOptions);
        return (opened.Session, opened.Provider);
    }

    public static OpenedSession Open(string modelPath, OnnxRuntimeOptions options, SessionOptions? sessionOptions = null)
    {
        if (!File.Exists(modelPath))
        {
            throw new ModelNotFoundException(modelPath);
        }

        SessionOptions so = sessionOptions ?? new SessionOptions
        {
            IntraOpNumThreads = Math.Max(1, options.IntraOpThreads),
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            // Warnings such as "expected output shape {1,512}" from models exported with a fixed batch are noise here.
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        string provider = "CPUExecutionProvider";
        if (sessionOptions is null && string.Equals(options.ExecutionProvider, "cuda", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                so.AppendExecutionProvider_CUDA();
                provider = "CUDAExecutionProvider";
            }
            catch (Exception ex) when (ex is OnnxRuntimeException or EntryPointNotFoundException or DllNotFoundException)
            {
                provider = "CPUExecutionProvider (CUDA unavailable: " + ex.Message.Split('\n')[0] + ")";
            }
        }

        try
        {
            if (!options.GraphRewrites)
            {
                return new OpenedSession(new InferenceSession(modelPath, so), provider, []);
            }

            (InferenceSession session, IReadOnlyList<GraphRewriteResult> rewrites) = ModelRewriter.Open(modelPath, bytes => new InferenceSession(bytes, so));
            foreach (GraphRewriteResult rejected in rewrites.Where(r => !r.Applied))
            {
                Warning($"warning: {Path.GetFileName(modelPath)}: graph rewrite {rejected.Name} not applied, the original graph is used: {rejected.Rejection}");
            }

            return new OpenedSession(session, provider, rewrites);
        }
        catch (OnnxRuntimeException ex)
        {
            throw new InvalidDataException($"{modelPath}: not a loadable ONNX model: {ex.Message}", ex);
        }
        finally
        {
            if (sessionOptions is null)
            {
                so.Dispose();
            }
        }
    }
}

/// <summary>A model file that is not where the configuration says.</summary>
public sealed class ModelNotFoundException(string path)
    : FileNotFoundException(
        $"Model file not found: {path}. Point FaceVector at a model directory with --models DIR or the FACEVECTOR_MODELS environment variable, or run 'facevector models pull buffalo_s' on a machine with internet.",
        path);
