using System.Formats.Cbor;
using System.Text;
using DhtNet.Ipfs.Messages;
using DhtNet.LibP2p;
using DhtNet.LibP2p.Crypto;

namespace DhtNet.Ipfs.Records;

/// <summary>
/// An IPNS record (the <c>IpnsEntry</c> protobuf with its signed DAG-CBOR <c>data</c>), parsed but
/// not yet verified: <see cref="IpnsRecordValidator"/> checks the signature and validity. Also
/// creates records signed with an identity key (<see cref="Create"/>).
/// </summary>
public sealed class IpnsRecord
{
    /// <summary>The spec's size limit for a serialised record: 10 KiB.</summary>
    public const int MaxSize = 10 * 1024;

    /// <summary>The namespace prefix of IPNS record keys.</summary>
    public const string Namespace = "/ipns/";

    /// <summary>What the V2 signature covers before the CBOR bytes.</summary>
    internal static ReadOnlySpan<byte> SignaturePrefix => "ipns-signature:"u8;

    private IpnsRecord()
    {
    }

    /// <summary>The path the name points at (<c>/ipfs/…</c>, <c>/ipns/…</c>), from the signed data.</summary>
    public ReadOnlyMemory<byte> Value { get; private init; }

    /// <summary>The end of validity (ValidityType 0, EOL), from the signed data.</summary>
    public DateTimeOffset Validity { get; private init; }

    /// <summary>The validity as it is signed (ASCII RFC 3339).</summary>
    public ReadOnlyMemory<byte> ValidityText { get; private init; }

    /// <summary>The signed ValidityType; only 0 (EOL) is valid.</summary>
    public ulong ValidityType { get; private init; }

    /// <summary>The version: higher wins.</summary>
    public ulong Sequence { get; private init; }

    /// <summary>The signed TTL in nanoseconds: how long resolvers may cache the record.</summary>
    public ulong TtlNanoseconds { get; private init; }

    /// <summary>The embedded public key protobuf, empty when the key is inlined in the name.</summary>
    public ReadOnlyMemory<byte> PublicKey { get; private init; }

    public ReadOnlyMemory<byte> SignatureV2 { get; private init; }

    /// <summary>The signed DAG-CBOR bytes.</summary>
    public ReadOnlyMemory<byte> Data { get; private init; }

    /// <summary>True when any V1 field (value, signatureV1, validity, …) is present; they must then match the signed data.</summary>
    internal bool HasV1Fields { get; private init; }

    internal ReadOnlyMemory<byte> V1Value { get; private init; }

    internal ReadOnlyMemory<byte> SignatureV1 { get; private init; }

    internal ReadOnlyMemory<byte> V1Validity { get; private init; }

    internal ulong V1ValidityType { get; private init; }

    internal ulong V1Sequence { get; private init; }

    internal ulong V1Ttl { get; private init; }

    /// <summary>False when the validity text is not RFC 3339 (the record is then invalid).</summary>
    internal bool ValidityParsed { get; private init; }

    /// <summary>The DHT key of <paramref name="name"/>'s record: <c>/ipns/</c> and the binary peer id.</summary>
    public static byte[] KeyFor(PeerId name) => RecordKeys.Make(Namespace, name);

    /// <summary>Parses the protobuf and its CBOR data without checking the signature.</summary>
    /// <exception cref="LibP2pFormatException">Larger than <see cref="MaxSize"/>, not an <c>IpnsEntry</c>, or data that is not the expected CBOR map.</exception>
    public static IpnsRecord Parse(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > MaxSize)
        {
            throw new LibP2pFormatException($"The IPNS record is {bytes.Length} bytes; the limit is {MaxSize}.");
        }

        var reader = new ProtobufReader(bytes);
        ReadOnlyMemory<byte> v1Value = default, signatureV1 = default, v1Validity = default, publicKey = default, signatureV2 = default, data = default;
        ulong v1ValidityType = 0, v1Sequence = 0, v1Ttl = 0;
        var hasV1 = false;
        while (reader.TryReadTag(out var field, out var wireType))
        {
            switch (field)
            {
                case 1:
                    v1Value = reader.ReadBytes(wireType, "value").ToArray();
                    hasV1 = true;
                    break;
                case 2:
                    signatureV1 = reader.ReadBytes(wireType, "signatureV1").ToArray(); // never verified: the spec forbids relying on it
                    hasV1 = true;
                    break;
                case 3:
                    v1ValidityType = reader.ReadVarint(wireType, "validityType");
                    hasV1 = true;
                    break;
                case 4:
                    v1Validity = reader.ReadBytes(wireType, "validity").ToArray();
                    hasV1 = true;
                    break;
                case 5:
                    v1Sequence = reader.ReadVarint(wireType, "sequence");
                    hasV1 = true;
                    break;
                case 6:
                    v1Ttl = reader.ReadVarint(wireType, "ttl");
                    hasV1 = true;
                    break;
                case 7:
                    publicKey = reader.ReadBytes(wireType, "pubKey").ToArray();
                    break;
                case 8:
                    signatureV2 = reader.ReadBytes(wireType, "signatureV2").ToArray();
                    break;
                case 9:
                    data = reader.ReadBytes(wireType, "data").ToArray();
                    break;
                default:
                    reader.Skip(wireType);
                    break;
            }
        }

        if (data.IsEmpty)
        {
            throw new LibP2pFormatException("The IPNS record has no V2 data.");
        }

        var signed = ReadData(data);
        return new IpnsRecord
        {
            Value = signed.Value,
            ValidityText = signed.Validity,
            ValidityParsed = Rfc3339.TryParse(signed.Validity.Span, out var validity),
            Validity = validity,
            ValidityType = signed.ValidityType,
            Sequence = signed.Sequence,
            TtlNanoseconds = signed.Ttl,
            PublicKey = publicKey,
            SignatureV2 = signatureV2,
            Data = data,
            HasV1Fields = hasV1,
            V1Value = v1Value,
            SignatureV1 = signatureV1,
            V1Validity = v1Validity,
            V1ValidityType = v1ValidityType,
            V1Sequence = v1Sequence,
            V1Ttl = v1Ttl,
        };
    }

    /// <summary>
    /// A record for the name of <paramref name="key"/> pointing at <paramref name="value"/>, signed
    /// (signatureV2 over the DAG-CBOR data). With <paramref name="v1Compatible"/> the V1 fields and
    /// signatureV1 are filled too, as the spec asks for records legacy resolvers must read. The
    /// public key is embedded only when the name cannot inline it (RSA, ECDSA).
    /// </summary>
    /// <exception cref="ArgumentException">The record would exceed <see cref="MaxSize"/>, or the TTL is negative.</exception>
    public static byte[] Create(PrivateKey key, ReadOnlySpan<byte> value, ulong sequence, DateTimeOffset validity, TimeSpan ttl, bool v1Compatible = true)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentOutOfRangeException.ThrowIfLessThan(ttl, TimeSpan.Zero);
        var validityText = Encoding.ASCII.GetBytes(Rfc3339.Format(validity));
        var ttlNanoseconds = (ulong)ttl.Ticks * 100;
        var data = WriteData(value, validityText, sequence, ttlNanoseconds);
        var signatureV2 = key.Sign([.. SignaturePrefix, .. data]);
        var publicKey = key.PeerId.TryExtractPublicKey() is null ? key.PublicKey.Marshal() : null;

        var size = ProtobufWriter.BytesFieldSize(8, signatureV2.Length) + ProtobufWriter.BytesFieldSize(9, data.Length);
        byte[]? signatureV1 = null;
        if (v1Compatible)
        {
            // V1 signed value ‖ validity ‖ the ValidityType's name ("EOL", as Go's and JS's enums print it).
            signatureV1 = key.Sign([.. value, .. validityText, .. "EOL"u8]);
            size += ProtobufWriter.BytesFieldSize(1, value.Length) + ProtobufWriter.BytesFieldSize(2, signatureV1.Length)
                + ProtobufWriter.VarintFieldSize(3, 0) + ProtobufWriter.BytesFieldSize(4, validityText.Length)
                + ProtobufWriter.VarintFieldSize(5, sequence) + ProtobufWriter.VarintFieldSize(6, ttlNanoseconds);
        }

        if (publicKey is not null)
        {
            size += ProtobufWriter.BytesFieldSize(7, publicKey.Length);
        }

        if (size > MaxSize)
        {
            throw new ArgumentException($"The record would be {size} bytes; IPNS allows {MaxSize}.", nameof(value));
        }

        var bytes = new byte[size];
        var span = bytes.AsSpan();
        var n = 0;
        if (signatureV1 is not null)
        {
            n += ProtobufWriter.WriteBytesField(span[n..], 1, value);
            n += ProtobufWriter.WriteBytesField(span[n..], 2, signatureV1);
            n += ProtobufWriter.WriteVarintField(span[n..], 3, 0);
            n += ProtobufWriter.WriteBytesField(span[n..], 4, validityText);
            n += ProtobufWriter.WriteVarintField(span[n..], 5, sequence);
            n += ProtobufWriter.WriteVarintField(span[n..], 6, ttlNanoseconds);
        }

        if (publicKey is not null)
        {
            n += ProtobufWriter.WriteBytesField(span[n..], 7, publicKey);
        }

        n += ProtobufWriter.WriteBytesField(span[n..], 8, signatureV2);
        ProtobufWriter.WriteBytesField(span[n..], 9, data);
        return bytes;
    }

    /// <summary>
    /// The DAG-CBOR map of the five fields. DAG-CBOR sorts keys by length, then bytewise: TTL, Value,
    /// Sequence, Validity, ValidityType — the order the signature depends on.
    /// </summary>
    private static byte[] WriteData(ReadOnlySpan<byte> value, ReadOnlySpan<byte> validity, ulong sequence, ulong ttl)
    {
        var writer = new CborWriter(CborConformanceMode.Canonical);
        writer.WriteStartMap(5);
        writer.WriteTextString("TTL");
        writer.WriteUInt64(ttl);
        writer.WriteTextString("Value");
        writer.WriteByteString(value);
        writer.WriteTextString("Sequence");
        writer.WriteUInt64(sequence);
        writer.WriteTextString("Validity");
        writer.WriteByteString(validity);
        writer.WriteTextString("ValidityType");
        writer.WriteUInt64(0);
        writer.WriteEndMap();
        return writer.Encode();
    }

    private static (ReadOnlyMemory<byte> Value, ReadOnlyMemory<byte> Validity, ulong ValidityType, ulong Sequence, ulong Ttl) ReadData(ReadOnlyMemory<byte> data)
    {
        try
        {
            // Strict refuses duplicate keys, so no field can be signed twice with two meanings.
            var reader = new CborReader(data, CborConformanceMode.Strict);
            byte[]? value = null, validity = null;
            ulong? validityType = null, sequence = null, ttl = null;
            reader.ReadStartMap();
            while (reader.PeekState() != CborReaderState.EndMap)
            {
                if (reader.PeekState() != CborReaderState.TextString)
                {
                    // Extensions are keyed by strings too; anything else is not DAG-CBOR.
                    throw new LibP2pFormatException("An IPNS data key is not a text string.");
                }

                switch (reader.ReadTextString())
                {
                    case "Value":
                        value = reader.ReadByteString();
                        break;
                    case "Validity":
                        validity = reader.ReadByteString();
                        break;
                    case "ValidityType":
                        validityType = reader.ReadUInt64();
                        break;
                    case "Sequence":
                        sequence = reader.ReadUInt64();
                        break;
                    case "TTL":
                        ttl = reader.ReadUInt64();
                        break;
                    default:
                        reader.SkipValue();
                        break;
                }
            }

            reader.ReadEndMap();
            if (reader.BytesRemaining != 0)
            {
                throw new LibP2pFormatException("Bytes follow the IPNS data map.");
            }

            if (value is null || validity is null || validityType is null || sequence is null || ttl is null)
            {
                throw new LibP2pFormatException("The IPNS data lacks one of Value, Validity, ValidityType, Sequence, TTL.");
            }

            return (value, validity, validityType.Value, sequence.Value, ttl.Value);
        }
        catch (Exception e) when (e is CborContentException or InvalidOperationException or OverflowException or FormatException and not LibP2pFormatException)
        {
            throw new LibP2pFormatException($"The IPNS data is not the expected CBOR map: {e.Message}", e);
        }
    }
}
