using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace FaceVector.Services.Telemetry;

/// <summary>
/// The "FaceVector" meter and activity source. Instruments come from the host's <see cref="IMeterFactory"/>, so two
/// hosts in one process (tests, <c>serve</c>) keep separate meters.
/// </summary>
public sealed class FaceVectorMetrics
{
    public const string Name = "FaceVector";

    public static readonly ActivitySource ActivitySource = new(Name);

    private readonly Meter _meter;

    public FaceVectorMetrics(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(Name);
        Requests = _meter.CreateCounter<long>("facevector.rpc.requests", "{request}", "gRPC calls handled, by method and status code");
        Duration = _meter.CreateHistogram<double>("facevector.rpc.duration", "s", "gRPC call latency, by method and status code");
        FacesPerImage = _meter.CreateHistogram<int>("facevector.faces_per_image", "{face}", "Faces found per analysed image");
    }

    /// <summary>This host's meter (each host has its own instance of the "FaceVector" meter).</summary>
    public Meter Meter => _meter;

    public Counter<long> Requests { get; }

    public Histogram<double> Duration { get; }

    public Histogram<int> FacesPerImage { get; }

    /// <summary>Publishes the number of calls waiting for an inference slot.</summary>
    public void ObserveQueueDepth(Func<int> waiting) =>
        _meter.CreateObservableGauge("facevector.inference.queue_depth", waiting, "{request}", "Calls waiting for an inference slot");
}
