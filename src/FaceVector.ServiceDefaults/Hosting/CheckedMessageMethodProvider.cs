using System.Reflection;
using FaceVector.Application.Errors;
using FaceVector.Client;
using Google.Protobuf;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;

namespace FaceVector.Services.Hosting;

/// <summary>
/// Binds every gRPC service (the generated <c>BindService</c> method named by <see cref="BindServiceMethodAttribute"/>,
/// as grpc-dotnet's own binder does) with request marshallers that refuse a malformed protobuf message as
/// INVALID_ARGUMENT naming the message type. grpc-dotnet deserializes a unary request before any interceptor runs and
/// reports a parser exception as UNKNOWN ("Exception was thrown by handler"); a streamed one reached the error
/// interceptor as INTERNAL. The refusal quotes none of the input.
/// </summary>
internal sealed class CheckedMessageMethodProvider<TService> : IServiceMethodProvider<TService>
    where TService : class
{
    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<TService> context)
    {
        BindServiceMethodAttribute? bind = typeof(TService).GetCustomAttribute<BindServiceMethodAttribute>(inherit: true);
        if (bind is null)
        {
            return; // not a proto-generated service: nothing to bind
        }

        // BindService(ServiceBinderBase, TServiceBase): with a null implementation it only lists the methods.
        MethodInfo? binder = bind.BindType.GetMethods(BindingFlags.Public | BindingFlags.Static)
            .FirstOrDefault(m => m.Name == bind.BindMethodName && m.GetParameters() is [{ } first, _] && first.ParameterType == typeof(ServiceBinderBase));
        if (binder is null)
        {
            throw new InvalidOperationException($"{bind.BindType}.{bind.BindMethodName}(ServiceBinderBase, ...) not found for {typeof(TService)}");
        }

        binder.Invoke(null, [new Binder(context), null]);
    }

    /// <summary>The refusal of a request that is not a valid encoding of <typeparamref name="T"/>.</summary>
    public static RpcException Malformed<T>(InvalidProtocolBufferException ex)
    {
        string message = typeof(T).Name;
        return GrpcErrors.ToRpcException(new FaceVectorError(ErrorCode.InvalidArgument, "MALFORMED_MESSAGE",
            $"{message}: not a valid protobuf encoding of {message} ({ex.Message})", message));
    }

    private static Marshaller<T> Checked<T>(Marshaller<T> marshaller) => new(
        marshaller.ContextualSerializer,
        context =>
        {
            try
            {
                return marshaller.ContextualDeserializer(context);
            }
            catch (InvalidProtocolBufferException ex)
            {
                throw Malformed<T>(ex);
            }
        });

    private static Method<TRequest, TResponse> Checked<TRequest, TResponse>(Method<TRequest, TResponse> method)
        where TRequest : class
        where TResponse : class =>
        new(method.Type, method.ServiceName, method.Name, Checked(method.RequestMarshaller), method.ResponseMarshaller);

    private sealed class Binder(ServiceMethodProviderContext<TService> context) : ServiceBinderBase
    {
        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? handler) =>
            context.AddUnaryMethod(Checked(method), Metadata(method.Name), Invoker<UnaryServerMethod<TService, TRequest, TResponse>>(method.Name));

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse>? handler) =>
            context.AddClientStreamingMethod(Checked(method), Metadata(method.Name), Invoker<ClientStreamingServerMethod<TService, TRequest, TResponse>>(method.Name));

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse>? handler) =>
            context.AddServerStreamingMethod(Checked(method), Metadata(method.Name), Invoker<ServerStreamingServerMethod<TService, TRequest, TResponse>>(method.Name));

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse>? handler) =>
            context.AddDuplexStreamingMethod(Checked(method), Metadata(method.Name), Invoker<DuplexStreamingServerMethod<TService, TRequest, TResponse>>(method.Name));

        // The service's override, or the generated base method (which answers UNIMPLEMENTED) when there is none.
        private static TDelegate Invoker<TDelegate>(string name)
            where TDelegate : Delegate =>
            (TDelegate)Delegate.CreateDelegate(typeof(TDelegate), Handler(name));

        private static MethodInfo Handler(string name) =>
            typeof(TService).GetMethod(name, BindingFlags.Public | BindingFlags.Instance)
            ?? throw new InvalidOperationException($"{typeof(TService)} has no method {name}");

        // Endpoint metadata as grpc-dotnet gives it: the service's and the method's attributes (authorization, CORS).
        private static List<object> Metadata(string name) =>
            [.. typeof(TService).GetCustomAttributes(inherit: true), .. Handler(name).GetCustomAttributes(inherit: true)];
    }
}
