using FaceVector.Index;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace FaceVector.Application.Store;

/// <summary>
/// Binds the one store configuration (<see cref="FaceIndexOptions"/>, section <c>FaceVector:Index</c>) once, checks
/// it at start-up, and opens the store from it: the search server, the ingest worker and <c>serve</c> all call this.
/// </summary>
public static class StoreRegistration
{
    public static IServiceCollection AddFaceIndexStore(this IServiceCollection services)
    {
        services.AddOptions<FaceIndexOptions>().BindConfiguration(FaceIndexOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<FaceIndexOptions>, FaceIndexOptionsValidator>();
        services.AddSingleton(sp => FaceIndexFactory.Open(sp.GetRequiredService<IOptions<FaceIndexOptions>>().Value));
        return services;
    }
}

/// <summary>A bad store setting stops start-up with the setting's configuration key, e.g. <c>FaceVector:Index:QdrantTimeoutSeconds must be &gt; 0</c>.</summary>
public sealed class FaceIndexOptionsValidator : IValidateOptions<FaceIndexOptions>
{
    public ValidateOptionsResult Validate(string? name, FaceIndexOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        IReadOnlyList<string> problems = options.Problems(setting => $"{FaceIndexOptions.Section}:{setting}");
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
