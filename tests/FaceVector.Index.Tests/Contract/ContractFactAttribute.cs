using Xunit.Abstractions;
using Xunit.Sdk;

namespace FaceVector.Index.Tests.Contract;

/// <summary>A contract test: runs like a [Fact], but is skipped with a visible reason in classes that need a real Qdrant when none is set.</summary>
[XunitTestCaseDiscoverer("FaceVector.Index.Tests.Contract.ContractFactDiscoverer", "FaceVector.Index.Tests")]
[AttributeUsage(AttributeTargets.Method)]
public sealed class ContractFactAttribute : FactAttribute;

/// <summary>Marks a test class that talks to the Qdrant server named by the <c>QDRANT_URL</c> environment variable.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class RequiresQdrantUrlAttribute : Attribute
{
    public const string Variable = "QDRANT_URL";

    public static Uri? Url => Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } url ? new Uri(url) : null;

    public static string? SkipReason => Url is null ? $"Set {Variable} (e.g. http://localhost:6334) to run against a real Qdrant." : null;
}

/// <summary>A [Fact] that needs a real Qdrant: skipped, with the reason, when <c>QDRANT_URL</c> is unset.</summary>
public sealed class QdrantFactAttribute : FactAttribute
{
    public QdrantFactAttribute() => Skip = RequiresQdrantUrlAttribute.SkipReason;
}

public sealed class ContractFactDiscoverer(IMessageSink diagnosticMessageSink) : FactDiscoverer(diagnosticMessageSink)
{
    public override IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo factAttribute)
    {
        var needsQdrant = testMethod.TestClass.Class.GetCustomAttributes(typeof(RequiresQdrantUrlAttribute)).Any();
        if (needsQdrant && RequiresQdrantUrlAttribute.SkipReason is { } reason)
        {
            return [new XunitSkippedDataRowTestCase(DiagnosticMessageSink, discoveryOptions.MethodDisplayOrDefault(),
                discoveryOptions.MethodDisplayOptionsOrDefault(), testMethod, reason)];
        }
        return base.Discover(discoveryOptions, testMethod, factAttribute);
    }
}
