using System.Diagnostics.CodeAnalysis;
using DhtNet.LibP2p;
using DhtNet.LibP2p.Crypto;

namespace DhtNet.Ipfs.Records;

/// <summary>
/// <c>/ipns/&lt;peer id bytes&gt;</c> records, verified by the IPNS spec's steps: size, V2 signature
/// over <c>"ipns-signature:"</c> and the CBOR data with the name's key (inlined or embedded), V1
/// fields equal to the signed ones when present, and an EOL still in the future. The best record
/// has the higher sequence, then the later validity.
/// </summary>
public sealed class IpnsRecordValidator : IRecordValidator
{
    /// <summary>The namespace prefix.</summary>
    public const string Namespace = IpnsRecord.Namespace;

    public bool TryValidate(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, DateTimeOffset now, [NotNullWhen(false)] out string? error)
    {
        error = Check(key, value, now);
        return error is null;
    }

    public int Select(ReadOnlySpan<byte> key, IReadOnlyList<ReadOnlyMemory<byte>> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentOutOfRangeException.ThrowIfZero(values.Count);
        var best = 0;
        var bestRecord = TryParse(values[0].Span);
        for (var i = 1; i < values.Count; i++)
        {
            var record = TryParse(values[i].Span);
            var order = Compare(record, bestRecord);
            if (order == 0)
            {
                // Equal by the spec's rules: the bytes decide, so every node picks the same record (go-libp2p does the same).
                order = values[i].Span.SequenceCompareTo(values[best].Span);
            }

            if (order > 0)
            {
                best = i;
                bestRecord = record;
            }
        }

        return best;
    }

    /// <summary>Higher sequence wins, then later validity; a record that does not parse loses to any that does.</summary>
    private static int Compare(IpnsRecord? a, IpnsRecord? b)
    {
        if (a is null || b is null)
        {
            return a is null ? (b is null ? 0 : -1) : 1;
        }

        var order = a.Sequence.CompareTo(b.Sequence);
        return order != 0 ? order : a.Validity.CompareTo(b.Validity);
    }

    private static IpnsRecord? TryParse(ReadOnlySpan<byte> value)
    {
        try
        {
            return IpnsRecord.Parse(value);
        }
        catch (LibP2pFormatException)
        {
            return null;
        }
    }

    private static string? Check(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, DateTimeOffset now)
    {
        if (value.Length > IpnsRecord.MaxSize)
        {
            return $"The record is {value.Length} bytes; the limit is {IpnsRecord.MaxSize}.";
        }

        if (!RecordKeys.TryGetPeerId(key, Namespace, out var name))
        {
            return "An /ipns/ key is /ipns/ followed by a binary peer id.";
        }

        IpnsRecord record;
        try
        {
            record = IpnsRecord.Parse(value);
        }
        catch (LibP2pFormatException e)
        {
            return e.Message;
        }

        if (record.SignatureV2.IsEmpty)
        {
            return "The record has no signatureV2.";
        }

        PublicKey? publicKey;
        if (!record.PublicKey.IsEmpty)
        {
            if (!LibP2p.Crypto.PublicKey.TryUnmarshal(record.PublicKey.Span, out publicKey))
            {
                return "The embedded public key is not a libp2p PublicKey protobuf.";
            }

            if (!name.Matches(publicKey))
            {
                return "The embedded public key does not belong to the name.";
            }
        }
        else
        {
            publicKey = name.TryExtractPublicKey();
            if (publicKey is null)
            {
                return "The name does not inline its public key and the record embeds none.";
            }
        }

        var data = record.Data.Span;
        var signed = new byte[IpnsRecord.SignaturePrefix.Length + data.Length];
        IpnsRecord.SignaturePrefix.CopyTo(signed);
        data.CopyTo(signed.AsSpan(IpnsRecord.SignaturePrefix.Length));
        if (!publicKey.Verify(signed, record.SignatureV2.Span))
        {
            return "signatureV2 does not verify.";
        }

        if (record.HasV1Fields
            && (!record.V1Value.Span.SequenceEqual(record.Value.Span)
                || !record.V1Validity.Span.SequenceEqual(record.ValidityText.Span)
                || record.V1ValidityType != record.ValidityType
                || record.V1Sequence != record.Sequence
                || record.V1Ttl != record.TtlNanoseconds))
        {
            return "The V1 fields differ from the signed data.";
        }

        if (record.ValidityType != 0)
        {
            return $"ValidityType {record.ValidityType} is not EOL (0), the only one defined.";
        }

        if (!record.ValidityParsed)
        {
            return "The validity is not an RFC 3339 time.";
        }

        return record.Validity > now ? null : "The record has expired.";
    }
}
