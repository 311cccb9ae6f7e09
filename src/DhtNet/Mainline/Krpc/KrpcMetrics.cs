using System.Diagnostics.Metrics;

namespace DhtNet.Mainline.Krpc;

/// <summary>
/// The dispatcher's counters on the "DhtNet.Krpc" meter, observed from the dispatcher's own counts:
/// each count is kept once, and a listener sees one instrument per dispatcher.
/// </summary>
internal static class KrpcMetrics
{
    public const string MeterName = "DhtNet.Krpc";

    public static void Observe(IMeterFactory factory, KrpcDispatcher dispatcher)
    {
        var meter = factory.Create(MeterName);
        Counter(meter, dispatcher, "dhtnet.krpc.queries.received", "Queries received", static d => d.QueriesReceived);
        QueriesServed(meter, dispatcher);
        Counter(meter, dispatcher, "dhtnet.krpc.queries.sent", "Queries sent", static d => d.QueriesSent);
        Counter(meter, dispatcher, "dhtnet.krpc.responses.sent", "Responses sent", static d => d.ResponsesSent);
        Counter(meter, dispatcher, "dhtnet.krpc.errors.sent", "Errors sent", static d => d.ErrorsSent);
        Counter(meter, dispatcher, "dhtnet.krpc.responses.matched", "Responses matched to a pending query", static d => d.ResponsesMatched);
        Counter(meter, dispatcher, "dhtnet.krpc.errors.received", "Errors matched to a pending query", static d => d.ErrorsReceived);
        Counter(meter, dispatcher, "dhtnet.krpc.unmatched", "Replies matching no pending query", static d => d.Unmatched);
        Counter(meter, dispatcher, "dhtnet.krpc.wrong_source", "Replies to a pending id from another address", static d => d.WrongSource);
        Counter(meter, dispatcher, "dhtnet.krpc.malformed", "Datagrams that did not decode", static d => d.Malformed);
        Counter(meter, dispatcher, "dhtnet.krpc.timeouts", "Queries without an answer in time", static d => d.Timeouts);
        Counter(meter, dispatcher, "dhtnet.krpc.send_failures", "Datagrams the transport refused", static d => d.SendFailures);
        Counter(meter, dispatcher, "dhtnet.krpc.rejected", "Queries refused because the pending table was full", static d => d.Rejected);
        Counter(meter, dispatcher, "dhtnet.krpc.handler_failures", "Handler exceptions and unencodable replies", static d => d.HandlerFailures);
    }

    /// <summary>The wire name of each method, as the <c>method</c> tag of the served-queries counter gives it.</summary>
    public static string MethodName(KrpcMethod method) => method switch
    {
        KrpcMethod.Ping => "ping",
        KrpcMethod.FindNode => "find_node",
        KrpcMethod.GetPeers => "get_peers",
        KrpcMethod.AnnouncePeer => "announce_peer",
        KrpcMethod.Get => "get",
        KrpcMethod.Put => "put",
        KrpcMethod.SampleInfohashes => "sample_infohashes",
        _ => method.ToString(),
    };

    private static void QueriesServed(Meter meter, KrpcDispatcher dispatcher)
    {
        var weak = new WeakReference<KrpcDispatcher>(dispatcher);
        var methods = Enum.GetValues<KrpcMethod>();
        meter.CreateObservableCounter(
            "dhtnet.krpc.queries.served",
            () => weak.TryGetTarget(out var d)
                ? methods.Select(m => new Measurement<long>(d.QueriesServed(m), new KeyValuePair<string, object?>("method", MethodName(m))))
                : [],
            description: "Valid queries received and handled, by method");
    }

    // A disposed dispatcher is not kept alive by the meter: the instrument holds it weakly.
    private static void Counter(Meter meter, KrpcDispatcher dispatcher, string name, string description, Func<KrpcDispatcher, long> read)
    {
        var weak = new WeakReference<KrpcDispatcher>(dispatcher);
        meter.CreateObservableCounter(
            name,
            () => weak.TryGetTarget(out var d) ? [new Measurement<long>(read(d))] : Array.Empty<Measurement<long>>(),
            description: description);
    }
}
