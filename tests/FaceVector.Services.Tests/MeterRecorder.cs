using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using FaceVector.Services.Telemetry;
using Microsoft.Extensions.DependencyInjection;

namespace FaceVector.Services.Tests;

/// <summary>Records what the hosts' "FaceVector" meters publish, so tests can tell hosts apart by their meter.</summary>
public sealed class MeterRecorder : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<Measurement> _measurements = new();

    public MeterRecorder()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == FaceVectorMetrics.Name)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Add(i, v, tags));
        _listener.SetMeasurementEventCallback<int>((i, v, tags, _) => Add(i, v, tags));
        _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Add(i, v, tags));
        _listener.Start();
    }

    public sealed record Measurement(Instrument Instrument, double Value, IReadOnlyDictionary<string, object?> Tags);

    /// <summary>Measurements of <paramref name="instrument"/> made by <paramref name="host"/>'s meter (observable gauges are read now).</summary>
    public IReadOnlyList<Measurement> Of(ServiceHost host, string instrument)
    {
        _listener.RecordObservableInstruments();
        Meter meter = host.Services.GetRequiredService<FaceVectorMetrics>().Meter;
        return [.. _measurements.Where(m => m.Instrument.Meter == meter && m.Instrument.Name == instrument)];
    }

    /// <summary>Calls of one gRPC method counted by the request counter of <paramref name="host"/>.</summary>
    public int Calls(ServiceHost host, string method) =>
        (int)Of(host, "facevector.rpc.requests").Where(m => (string?)m.Tags["rpc.method"] == method).Sum(m => m.Value);

    public void Dispose() => _listener.Dispose();

    private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags) =>
        _measurements.Enqueue(new Measurement(instrument, value, tags.ToArray().ToDictionary()));
}
