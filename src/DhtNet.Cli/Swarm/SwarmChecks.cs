using System.Net;
using System.Runtime.CompilerServices;
using DhtNet.Cli.Output;

namespace DhtNet.Cli.Swarm;

/// <summary>
/// Runs every Mainline DHT operation across a <see cref="LocalNetwork"/> and checks each answer against
/// what the network must hold: one node provides, stores and pings; another finds, gets and scrapes.
/// </summary>
internal sealed class SwarmChecks
{
    private readonly LocalNetwork _network;
    private readonly TimeSpan _timeout;
    private readonly DhtNode _writer;
    private readonly DhtNode _reader;
    private readonly DhtNode _sought;
    private readonly NodeId _infoHash = NodeId.Random();
    private readonly byte[] _immutableValue = new BencodeString("hello from dht swarm").Encode();
    private readonly byte[] _mutableValue = new BencodeString("mutable hello from dht swarm").Encode();
    private readonly byte[] _salt = "dht swarm"u8.ToArray();
    private readonly Ed25519KeyPair _key = Ed25519KeyPair.Generate();

    /// <param name="timeout">How long one operation may take.</param>
    public SwarmChecks(LocalNetwork network, TimeSpan timeout)
    {
        if (network.Nodes.Count < 3)
        {
            throw new ArgumentException("The checks need at least 3 nodes.", nameof(network));
        }

        _network = network;
        _timeout = timeout;
        var nodes = network.Nodes;
        _writer = nodes[nodes.Count / 2];
        _reader = nodes[^1];
        _sought = nodes[nodes.Count / 4 == nodes.Count / 2 ? 0 : nodes.Count / 4];
    }

    public async IAsyncEnumerable<SwarmStep> RunAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        yield return await StepAsync("ping", PingAsync, cancellationToken);
        yield return await StepAsync("query", QueryAsync, cancellationToken);
        yield return await StepAsync("findpeer", FindPeerAsync, cancellationToken);
        yield return await StepAsync("provide", ProvideAsync, cancellationToken);
        yield return await StepAsync("findprovs", FindProvidersAsync, cancellationToken);
        yield return await StepAsync("scrape", ScrapeAsync, cancellationToken);
        yield return await StepAsync("sample", SampleAsync, cancellationToken);
        yield return await StepAsync("put (immutable)", PutImmutableAsync, cancellationToken);
        yield return await StepAsync("get (immutable)", GetImmutableAsync, cancellationToken);
        yield return await StepAsync("put (mutable)", PutMutableAsync, cancellationToken);
        yield return await StepAsync("get (mutable)", GetMutableAsync, cancellationToken);
    }

    private static IPEndPoint EndPoint(DhtNode node) => node.LocalEndPoints[0];

    private Task<SwarmStep> StepAsync(string operation, Func<CancellationToken, Task<(bool Ok, string Detail)>> run, CancellationToken cancellationToken) =>
        SwarmStep.RunAsync(Input.Networks.MainlineName, operation, run, _timeout, cancellationToken);

    private async Task<(bool, string)> PingAsync(CancellationToken cancellationToken)
    {
        var pong = await _writer.PingAsync(EndPoint(_reader), cancellationToken);
        return pong is { } node && node.Id == _reader.Id
            ? (true, $"{node.Id} answered from {node.EndPoint}")
            : (false, $"{EndPoint(_reader)} did not answer");
    }

    private async Task<(bool, string)> QueryAsync(CancellationToken cancellationToken)
    {
        var key = NodeId.Random();
        var result = await _writer.QueryAsync(key, cancellationToken);
        var closest = _network.Nodes.Where(n => n != _writer).MinBy(n => n.Id.Xor(key))!;
        bool found = result.Nodes.Any(n => n.Id == closest.Id);
        return (found, found
            ? $"{Display.Count(result.Nodes.Count, "node")}, the closest of all ({Display.Count(closest.Id.CommonPrefixLength(key), "common bit")}) among them"
            : $"{Display.Count(result.Nodes.Count, "node")}, but not the closest one, {closest.Id}");
    }

    private async Task<(bool, string)> FindPeerAsync(CancellationToken cancellationToken)
    {
        var found = await _writer.FindPeerAsync(_sought.Id, cancellationToken);
        return found is not null && found.Equals(EndPoint(_sought))
            ? (true, $"{_sought.Id} at {found}")
            : (false, found is null ? $"{_sought.Id} not found" : $"{_sought.Id} reported at {found}, but it is at {EndPoint(_sought)}");
    }

    private async Task<(bool, string)> ProvideAsync(CancellationToken cancellationToken)
    {
        var result = await _writer.ProvideAsync(_infoHash, port: null, cancellationToken);
        return (result.Stored > 0, $"{_infoHash} stored on {Display.Count(result.Stored, "node")}");
    }

    private async Task<(bool, string)> FindProvidersAsync(CancellationToken cancellationToken)
    {
        var providers = new List<IPEndPoint>();
        await foreach (var peer in _reader.FindProvidersAsync(_infoHash, cancellationToken: cancellationToken))
        {
            providers.Add(peer);
        }

        bool found = providers.Contains(EndPoint(_writer));
        return (found, found ? $"{Display.Count(providers.Count, "provider")}, including {EndPoint(_writer)}" : $"{Display.Count(providers.Count, "provider")}, not {EndPoint(_writer)}");
    }

    private async Task<(bool, string)> ScrapeAsync(CancellationToken cancellationToken)
    {
        var result = await _reader.ScrapeAsync(_infoHash, cancellationToken);
        return (result.Peers > 0, $"about {Display.Count(result.Seeds, "seed")}, {Display.Count(result.Peers, "peer")}");
    }

    private async Task<(bool, string)> SampleAsync(CancellationToken cancellationToken)
    {
        // The node closest to the infohash (other than the reader) took the announce.
        var holder = _network.Nodes.Where(n => n != _reader && n != _writer).MinBy(n => n.Id.Xor(_infoHash))!;
        var result = await _reader.SampleInfohashesAsync(EndPoint(holder), NodeId.Random(), cancellationToken);
        if (result is null)
        {
            return (false, $"{EndPoint(holder)} did not answer");
        }

        bool found = result.Samples.Contains(_infoHash);
        return (found, $"{EndPoint(holder)} stores {Display.Count(result.Num, "infohash", "infohashes")}{(found ? ", the provided one among them" : ", not the provided one")}");
    }

    private async Task<(bool, string)> PutImmutableAsync(CancellationToken cancellationToken)
    {
        var result = await _writer.PutAsync(_immutableValue, cancellationToken);
        return (result.Stored > 0, $"{result.Target} stored on {Display.Count(result.Stored, "node")}");
    }

    private async Task<(bool, string)> GetImmutableAsync(CancellationToken cancellationToken)
    {
        var target = ItemRules.ImmutableTarget(_immutableValue);
        var item = await _reader.GetAsync(target, cancellationToken: cancellationToken);
        return item is not null && item.Value.Span.SequenceEqual(_immutableValue)
            ? (true, $"{target}: {BencodeValue.Parse(item.Value.Span)}")
            : (false, item is null ? $"{target} not found" : $"{target} has another value");
    }

    private async Task<(bool, string)> PutMutableAsync(CancellationToken cancellationToken)
    {
        var result = await _writer.PutAsync(_key, _mutableValue, _salt, sequence: 1, cancellationToken: cancellationToken);
        return (result.Stored > 0, $"{result.Target} (seq {result.Sequence}) stored on {Display.Count(result.Stored, "node")}");
    }

    private async Task<(bool, string)> GetMutableAsync(CancellationToken cancellationToken)
    {
        var target = ItemRules.MutableTarget(_key.PublicKey.Span, _salt);
        var item = await _reader.GetAsync(target, _salt, cancellationToken);
        return item is not null && item.Value.Span.SequenceEqual(_mutableValue) && item.Sequence == 1
            ? (true, $"{target} (seq {item.Sequence}): {BencodeValue.Parse(item.Value.Span)}")
            : (false, item is null ? $"{target} not found" : $"{target} has another value or seq {item.Sequence}");
    }
}
