using FaceVector.Grpc.V1;
using Grpc.Core;
using Grpc.Net.Client.Balancer;
using Grpc.Net.Client.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace FaceVector.Client;

/// <summary>
/// The client of the embedding service (search service, ingest worker, any program) (Grpc.Net.ClientFactory):
/// round-robin over the configured addresses minus ejected replicas (<see cref="EmbedderReplicas"/>), hedging to
/// another replica on UNAVAILABLE or when an attempt goes unanswered, short reconnect backoff so that a restarted
/// embedder is used again within seconds,
/// and the API key on every call.
/// </summary>
public static class EmbeddingClientRegistration
{
    /// <summary>The header that carries the API key (the servers also take <c>authorization: Bearer</c>).</summary>
    public const string ApiKeyHeader = "x-api-key";

    private const string StaticTarget = "static:///embedding";

    public static IServiceCollection AddEmbeddingClient(this IServiceCollection services, IConfiguration config)
    {
        IConfigurationSection section = config.GetSection(EmbeddingClientOptions.Section);
        services.Configure<EmbeddingClientOptions>(section);
        EmbeddingClientOptions options = section.Get<EmbeddingClientOptions>() ?? new EmbeddingClientOptions();
        if (options.Addresses.Count == 0)
        {
            throw new InvalidOperationException($"No embedding service address: set {EmbeddingClientOptions.Section}:Addresses:0 (environment FaceVector__Embedding__Addresses__0).");
        }

        string? apiKey = options.ApiKey ?? Security.ApiKeys.SearchKey(config);
        (Uri target, bool tls) = Target(options.Addresses);
        if (options.MaxAttempts > 5)
        {
            throw new InvalidOperationException($"{EmbeddingClientOptions.Section}:MaxAttempts is {options.MaxAttempts}; gRPC allows at most 5 attempts per call.");
        }

        if (target.Scheme == "dns")
        {
            // Re-resolve periodically so replicas added by `--scale embedding=N` are used without a restart.
            services.AddSingleton<ResolverFactory>(new DnsResolverFactory(refreshInterval: TimeSpan.FromSeconds(options.DnsRefreshSeconds)));
        }
        else if (target.Scheme == "static")
        {
            BalancerAddress[] addresses = [.. options.Addresses.Select(a => new Uri(a)).Select(u => new BalancerAddress(u.Host, u.Port))];
            services.AddSingleton<ResolverFactory>(new StaticResolverFactory(_ => addresses));
        }

        // Round-robin that skips replicas which stopped answering (EmbedderReplicas), shared by every channel of the process.
        services.AddSingleton(sp => new EmbedderReplicas(options, tls, sp.GetService<Microsoft.Extensions.Logging.ILogger<EmbedderReplicas>>()));
        services.AddSingleton<LoadBalancerFactory>(sp => new EjectingRoundRobinBalancerFactory(sp.GetRequiredService<EmbedderReplicas>()));
        services.AddGrpcClient<FaceEmbedding.FaceEmbeddingClient>(o => o.Address = target)
            .ConfigureChannel((sp, channel) =>
            {
                channel.ServiceProvider = sp;
                channel.Credentials = tls ? ChannelCredentials.SecureSsl : ChannelCredentials.Insecure;
                channel.UnsafeUseInsecureChannelCallCredentials = true; // the key also travels over h2c inside a private network
                channel.MaxReconnectBackoff = TimeSpan.FromSeconds(options.MaxReconnectBackoffSeconds);
                channel.InitialReconnectBackoff = TimeSpan.FromSeconds(Math.Min(0.25, options.MaxReconnectBackoffSeconds));
                channel.ServiceConfig = new ServiceConfig
                {
                    LoadBalancingConfigs = { new LoadBalancingConfig(EjectingRoundRobinBalancerFactory.PolicyName) },
                    MethodConfigs =
                    {
                        new MethodConfig
                        {
                            Names = { MethodName.Default },
                            // Hedging: an attempt still unanswered after HedgeAfterSeconds (a hung replica) is repeated on the
                            // next replica, and an UNAVAILABLE answer at once; the first answer wins, the overall deadline holds.
                            HedgingPolicy = options.MaxAttempts > 1 ? new HedgingPolicy
                            {
                                MaxAttempts = options.MaxAttempts,
                                HedgingDelay = TimeSpan.FromSeconds(options.HedgeAfterSeconds),
                                NonFatalStatusCodes = { StatusCode.Unavailable },
                            } : null,
                        },
                    },
                    // Hedges and retries stop when most calls fail (every replica down or overloaded): no retry storm.
                    RetryThrottling = new RetryThrottlingPolicy { MaxTokens = 10, TokenRatio = 0.5 },
                };
            })
            .AddCallCredentials((_, metadata) =>
            {
                if (!string.IsNullOrEmpty(apiKey))
                {
                    metadata.Add(ApiKeyHeader, apiKey);
                }

                return Task.CompletedTask;
            });
        return services;
    }

    /// <summary>One <c>dns:///</c> address is used as it is; <c>http(s)://</c> addresses go through the static resolver.</summary>
    private static (Uri Target, bool Tls) Target(IReadOnlyList<string> addresses)
    {
        if (addresses.Count == 1 && addresses[0].StartsWith("dns:", StringComparison.OrdinalIgnoreCase))
        {
            return (new Uri(addresses[0]), false);
        }

        bool tls = addresses.All(a => a.StartsWith("https://", StringComparison.OrdinalIgnoreCase));
        if (!tls && addresses.Any(a => !a.StartsWith("http://", StringComparison.OrdinalIgnoreCase)))
        {
            throw new InvalidOperationException($"Embedding addresses must all be http:// or all https:// (or one dns:/// entry): {string.Join(", ", addresses)}");
        }

        return (new Uri(StaticTarget), tls);
    }
}
