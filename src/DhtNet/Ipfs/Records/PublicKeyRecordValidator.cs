using System.Diagnostics.CodeAnalysis;
using DhtNet.LibP2p;
using DhtNet.LibP2p.Crypto;

namespace DhtNet.Ipfs.Records;

/// <summary>
/// <c>/pk/&lt;peer id bytes&gt;</c> records: the value is a libp2p <c>PublicKey</c> protobuf whose
/// peer id is the one in the key. Every valid value for a key is the same key, so any is best.
/// </summary>
public sealed class PublicKeyRecordValidator : IRecordValidator
{
    /// <summary>The namespace prefix.</summary>
    public const string Namespace = "/pk/";

    /// <summary>The record key for <paramref name="peer"/>'s public key.</summary>
    public static byte[] KeyFor(PeerId peer) => RecordKeys.Make(Namespace, peer);

    public bool TryValidate(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, DateTimeOffset now, [NotNullWhen(false)] out string? error)
    {
        if (!RecordKeys.TryGetPeerId(key, Namespace, out var peer))
        {
            error = "A /pk/ key is /pk/ followed by a binary peer id.";
            return false;
        }

        if (!PublicKey.TryUnmarshal(value, out var publicKey))
        {
            error = "A /pk/ value is a libp2p PublicKey protobuf.";
            return false;
        }

        if (!peer.Matches(publicKey))
        {
            error = "The public key does not hash to the peer id in the key.";
            return false;
        }

        error = null;
        return true;
    }

    public int Select(ReadOnlySpan<byte> key, IReadOnlyList<ReadOnlyMemory<byte>> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentOutOfRangeException.ThrowIfZero(values.Count);
        return 0;
    }
}

/// <summary>Record keys of the form <c>/namespace/&lt;binary peer id&gt;</c>.</summary>
internal static class RecordKeys
{
    public static byte[] Make(string prefix, PeerId peer)
    {
        var id = peer.Bytes.Span;
        var key = new byte[prefix.Length + id.Length];
        System.Text.Encoding.ASCII.GetBytes(prefix, key);
        id.CopyTo(key.AsSpan(prefix.Length));
        return key;
    }

    public static bool TryGetPeerId(ReadOnlySpan<byte> key, string prefix, out PeerId peer)
    {
        peer = default;
        if (key.Length <= prefix.Length)
        {
            return false;
        }

        for (var i = 0; i < prefix.Length; i++)
        {
            if (key[i] != prefix[i])
            {
                return false;
            }
        }

        return PeerId.TryFromBytes(key[prefix.Length..], out peer);
    }
}
