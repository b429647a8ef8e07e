using FaceVector.Core.Models;

namespace FaceVector.Core.Tests;

internal static class TestModels
{
    /// <summary>The real models the tests run (shared/models unless FACEVECTOR_MODELS says otherwise).</summary>
    public static ModelDirectory Directory => new(TestData.ModelsPath, "tests");
}
