using System.Diagnostics.Metrics;

namespace DhtNet.Mainline.Krpc;

/// <summary>
/// The dispatcher's counters on the "DhtNet.Krpc" meter. A meter factory hands every dispatcher
/// the same cached meter, so these are plain counters that all dispatchers add to (a process
/// total), not per-instance observable ones.
/// </summary>
internal sealed class KrpcMetrics
{
    public const string MeterName = "DhtNet.Krpc";

    public KrpcMetrics(IMeterFactory factory)
    {
        var meter = factory.Create(MeterName);
        QueriesReceived = meter.CreateCounter<long>("dhtnet.krpc.queries.received", description: "Queries received");
        QueriesSent = meter.CreateCounter<long>("dhtnet.krpc.queries.sent", description: "Queries sent");
        ResponsesSent = meter.CreateCounter<long>("dhtnet.krpc.responses.sent", description: "Responses sent");
        ErrorsSent = meter.CreateCounter<long>("dhtnet.krpc.errors.sent", description: "Errors sent");
        ResponsesMatched = meter.CreateCounter<long>("dhtnet.krpc.responses.matched", description: "Responses matched to a pending query");
        ErrorsReceived = meter.CreateCounter<long>("dhtnet.krpc.errors.received", description: "Errors matched to a pending query");
        Unmatched = meter.CreateCounter<long>("dhtnet.krpc.unmatched", description: "Replies matching no pending query");
        Malformed = meter.CreateCounter<long>("dhtnet.krpc.malformed", description: "Datagrams that did not decode");
        Timeouts = meter.CreateCounter<long>("dhtnet.krpc.timeouts", description: "Queries without an answer in time");
        SendFailures = meter.CreateCounter<long>("dhtnet.krpc.send_failures", description: "Datagrams the transport refused");
        Rejected = meter.CreateCounter<long>("dhtnet.krpc.rejected", description: "Queries refused because the pending table was full");
    }

    public Counter<long> QueriesReceived { get; }

    public Counter<long> QueriesSent { get; }

    public Counter<long> ResponsesSent { get; }

    public Counter<long> ErrorsSent { get; }

    public Counter<long> ResponsesMatched { get; }

    public Counter<long> ErrorsReceived { get; }

    public Counter<long> Unmatched { get; }

    public Counter<long> Malformed { get; }

    public Counter<long> Timeouts { get; }

    public Counter<long> SendFailures { get; }

    public Counter<long> Rejected { get; }
}
