using System.Runtime.CompilerServices;
using System.Text;
using DhtNet.Cli.Hosting;
using DhtNet.Cli.Input;
using DhtNet.Cli.Output;
using DhtNet.Ipfs.Records;

namespace DhtNet.Cli.Swarm;

/// <summary>
/// Runs every IPFS DHT operation across the IPFS nodes of a <see cref="LocalNetwork"/> and checks each
/// answer against what the network must hold: one node provides and stores /pk/ and /ipns/ records,
/// another finds and gets them; the closest peers are checked against the true closest of all.
/// </summary>
internal sealed class IpfsSwarmChecks
{
    private readonly LocalNetwork _network;
    private readonly TimeSpan _timeout;
    private readonly IpfsPeer _writer;
    private readonly IpfsPeer _reader;
    private readonly IpfsPeer _sought;
    private readonly Cid _cid = Cid.Hash(Encoding.UTF8.GetBytes($"hello from dht swarm {Guid.NewGuid()}"));

    // A /pk/ record is for keys too large to inline in the peer id: ECDSA P-256 is one.
    private readonly PrivateKey _recordKey = EcdsaPrivateKey.Generate();
    private readonly PrivateKey _nameKey = Ed25519PrivateKey.Generate();
    private readonly byte[] _ipnsValue;

    /// <param name="timeout">How long one operation may take.</param>
    public IpfsSwarmChecks(LocalNetwork network, TimeSpan timeout)
    {
        var peers = network.IpfsPeers;
        if (peers.Count < 3)
        {
            throw new ArgumentException("The checks need at least 3 IPFS nodes.", nameof(network));
        }

        _network = network;
        _timeout = timeout;
        _writer = peers[peers.Count / 2];
        _reader = peers[^1];
        _sought = peers[peers.Count / 4 == peers.Count / 2 ? 0 : peers.Count / 4];
        _ipnsValue = Encoding.UTF8.GetBytes($"/ipfs/{_cid}");
    }

    public async IAsyncEnumerable<SwarmStep> RunAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        yield return await StepAsync("ping", PingAsync, cancellationToken);
        yield return await StepAsync("query", QueryAsync, cancellationToken);
        yield return await StepAsync("findpeer", FindPeerAsync, cancellationToken);
        yield return await StepAsync("provide", ProvideAsync, cancellationToken);
        yield return await StepAsync("findprovs", FindProvidersAsync, cancellationToken);
        yield return await StepAsync("put (/pk/)", PutPublicKeyAsync, cancellationToken);
        yield return await StepAsync("get (/pk/)", GetPublicKeyAsync, cancellationToken);
        yield return await StepAsync("put (/ipns/)", PutIpnsAsync, cancellationToken);
        yield return await StepAsync("get (/ipns/)", GetIpnsAsync, cancellationToken);
    }

    private Task<SwarmStep> StepAsync(string operation, Func<CancellationToken, Task<(bool Ok, string Detail)>> run, CancellationToken cancellationToken) =>
        SwarmStep.RunAsync(Networks.IpfsName, operation, run, _timeout, cancellationToken);

    private async Task<(bool, string)> PingAsync(CancellationToken cancellationToken)
    {
        _writer.Host.AddAddresses(_reader.PeerId, _reader.Info.Multiaddrs);
        var rtt = await _writer.Host.PingAsync(_reader.PeerId, cancellationToken);
        return (true, $"{_reader.PeerId} answered /ipfs/ping in {Display.Duration(rtt)}");
    }

    private async Task<(bool, string)> QueryAsync(CancellationToken cancellationToken)
    {
        var key = Cid.Hash(Guid.NewGuid().ToByteArray()).Multihash.Bytes;
        var target = Key256.Sha256(key.Span);
        var result = await _writer.Node.QueryAsync(key, cancellationToken);
        var closest = _network.IpfsPeers.Where(p => p != _writer).MinBy(p => IpfsContact.KeyOf(p.PeerId).Xor(target))!;
        bool found = result.Any(p => p.Id == closest.PeerId);
        int common = IpfsContact.KeyOf(closest.PeerId).CommonPrefixLength(target);
        return (found, found
            ? $"{Display.Count(result.Count, "peer")}, the closest of all ({Display.Count(common, "common bit")}) among them"
            : $"{Display.Count(result.Count, "peer")}, but not the closest one, {closest.PeerId}");
    }

    private async Task<(bool, string)> FindPeerAsync(CancellationToken cancellationToken)
    {
        var found = await _writer.Node.FindPeerAsync(_sought.PeerId, cancellationToken);
        var expected = _sought.Info.Multiaddrs;
        return found is not null && found.Multiaddrs.Intersect(expected).Any()
            ? (true, $"{_sought.PeerId} at {Display.Addresses(found.Multiaddrs)}")
            : (false, found is null ? $"{_sought.PeerId} not found" : $"{_sought.PeerId} reported at {Display.Addresses(found.Multiaddrs)}, but it is at {Display.Addresses(expected)}");
    }

    private async Task<(bool, string)> ProvideAsync(CancellationToken cancellationToken)
    {
        int stored = await _writer.Node.ProvideAsync(_cid, cancellationToken);
        return (stored > 0, $"{_cid} stored on {Display.Count(stored, "peer")}");
    }

    private async Task<(bool, string)> FindProvidersAsync(CancellationToken cancellationToken)
    {
        var providers = new List<PeerInfo>();
        await foreach (var peer in _reader.Node.FindProvidersAsync(_cid, cancellationToken: cancellationToken))
        {
            providers.Add(peer);
            if (peer.Id == _writer.PeerId)
            {
                break;
            }
        }

        bool found = providers.Any(p => p.Id == _writer.PeerId);
        return (found, found ? $"{Display.Count(providers.Count, "provider")}, including {_writer.PeerId}" : $"{Display.Count(providers.Count, "provider")}, not {_writer.PeerId}");
    }

    private async Task<(bool, string)> PutPublicKeyAsync(CancellationToken cancellationToken)
    {
        int stored = await _writer.Node.PutAsync(PublicKeyRecordValidator.KeyFor(_recordKey.PeerId), _recordKey.PublicKey.Marshal(), cancellationToken);
        return (stored > 0, $"/pk/{_recordKey.PeerId} stored on {Display.Count(stored, "peer")}");
    }

    private async Task<(bool, string)> GetPublicKeyAsync(CancellationToken cancellationToken)
    {
        var value = await _reader.Node.GetAsync(PublicKeyRecordValidator.KeyFor(_recordKey.PeerId), cancellationToken);
        return value is not null && value.AsSpan().SequenceEqual(_recordKey.PublicKey.Marshal())
            ? (true, $"/pk/{_recordKey.PeerId}: the {_recordKey.Type} public key")
            : (false, value is null ? $"/pk/{_recordKey.PeerId} not found" : $"/pk/{_recordKey.PeerId} has another value");
    }

    private async Task<(bool, string)> PutIpnsAsync(CancellationToken cancellationToken)
    {
        var record = IpnsRecord.Create(_nameKey, _ipnsValue, sequence: 1, DateTimeOffset.UtcNow.AddHours(1), TimeSpan.FromMinutes(5));
        int stored = await _writer.Node.PutAsync(IpnsRecord.KeyFor(_nameKey.PeerId), record, cancellationToken);
        return (stored > 0, $"/ipns/{_nameKey.PeerId} (seq 1) stored on {Display.Count(stored, "peer")}");
    }

    private async Task<(bool, string)> GetIpnsAsync(CancellationToken cancellationToken)
    {
        var value = await _reader.Node.GetAsync(IpnsRecord.KeyFor(_nameKey.PeerId), cancellationToken);
        if (value is null)
        {
            return (false, $"/ipns/{_nameKey.PeerId} not found");
        }

        var record = IpnsRecord.Parse(value);
        return record.Value.Span.SequenceEqual(_ipnsValue) && record.Sequence == 1
            ? (true, $"/ipns/{_nameKey.PeerId} (seq {record.Sequence}): {Encoding.UTF8.GetString(record.Value.Span)}")
            : (false, $"/ipns/{_nameKey.PeerId} has another value or seq {record.Sequence}");
    }
}
