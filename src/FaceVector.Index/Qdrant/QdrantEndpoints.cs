using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Grpc.Net.Client.Balancer;
using Grpc.Net.Client.Configuration;
using Qdrant.Client;
using Qdrant.Client.Grpc;

namespace FaceVector.Index.Qdrant;

/// <summary>
/// The Qdrant nodes the adapter talks to, one client each, and which one is in use. Calls go to the current node;
/// a retryable failure moves every later call to the next node (failover), so a lost node costs one retry, not an
/// outage. Any node of a cluster serves any request, so the order only decides who is asked first.
/// </summary>
internal sealed class QdrantEndpoints : IDisposable
{
    private readonly (string Name, QdrantClient Client)[] _nodes;
    private readonly List<IDisposable> _owned = [];
    private int _current;

    public QdrantEndpoints(IReadOnlyList<(string Name, QdrantClient Client)> nodes)
    {
        if (nodes.Count == 0) throw new ArgumentException("At least one Qdrant endpoint is needed.", nameof(nodes));
        _nodes = [.. nodes];
    }

    /// <summary>Channels with the receive limit and API key from the options, one per endpoint.</summary>
    public static QdrantEndpoints Open(QdrantIndexOptions options)
    {
        var channels = new List<IDisposable>();
        var nodes = options.EffectiveEndpoints.Select(uri =>
        {
            var (invoker, channel) = Channel(uri, options);
            channels.Add(channel);
            return (uri.ToString(), new QdrantClient(new QdrantGrpcClient(invoker), options.CallTimeout));
        }).ToList();
        var endpoints = new QdrantEndpoints(nodes);
        endpoints._owned.AddRange(channels);
        return endpoints;
    }

    public int Count => _nodes.Length;

    public (int Index, string Name, QdrantClient Client) Current
    {
        get
        {
            var i = Volatile.Read(ref _current);
            return (i, _nodes[i].Name, _nodes[i].Client);
        }
    }

    /// <summary>Moves on from the node that just failed (unless another call already did).</summary>
    public void Failed(int index) => Interlocked.CompareExchange(ref _current, (index + 1) % _nodes.Length, index);

    private static (CallInvoker Invoker, GrpcChannel Channel) Channel(Uri uri, QdrantIndexOptions options)
    {
        var channelOptions = new GrpcChannelOptions { MaxReceiveMessageSize = options.MaxReceiveMessageBytes };
        GrpcChannel channel;
        if (uri.Scheme == "dns")
        {
            // One name for every node: Grpc.Net.Client resolves it again and again and balances round-robin over the answers.
            channelOptions.Credentials = ChannelCredentials.Insecure;
            channelOptions.ServiceProvider = new ResolverServices(new DnsResolverFactory(TimeSpan.FromSeconds(30)));
            channelOptions.ServiceConfig = new ServiceConfig { LoadBalancingConfigs = { new RoundRobinConfig() } };
            channel = GrpcChannel.ForAddress(uri, channelOptions);
        }
        else
        {
            channel = GrpcChannel.ForAddress(uri, channelOptions);
        }
        var invoker = channel.CreateCallInvoker();
        return (string.IsNullOrEmpty(options.ApiKey) ? invoker : invoker.Intercept(metadata =>
        {
            metadata.Add("api-key", options.ApiKey);
            return metadata;
        }), channel);
    }

    public void Dispose()
    {
        foreach (var (_, client) in _nodes) client.Dispose();
        foreach (var channel in _owned) channel.Dispose();
    }

    /// <summary>The one service Grpc.Net.Client asks a channel's provider for when the address is <c>dns:///</c>.</summary>
    private sealed class ResolverServices(ResolverFactory factory) : IServiceProvider
    {
        public object? GetService(Type serviceType) =>
            serviceType == typeof(ResolverFactory) ? factory
            : serviceType == typeof(IEnumerable<ResolverFactory>) ? new[] { factory }
            : null;
    }
}
