using System.Buffers;
using System.Text;
using DhtNet.LibP2p.Protobuf;

namespace DhtNet.LibP2p.Identify;

/// <summary>
/// The identify message: who a peer is (public key), what it runs (protocol and agent versions),
/// where it listens, which protocols it accepts, and the address it sees us at. In a push, absent
/// fields mean "unchanged".
/// </summary>
public sealed record IdentifyMessage
{
    /// <summary>The largest message read (js-libp2p's limit too); a peer sending more is refused.</summary>
    public const int MaxLength = 8192;

    /// <summary>At most this many protocols and addresses are kept from one message.</summary>
    public const int MaxEntries = 256;

    public string? ProtocolVersion { get; init; }

    public string? AgentVersion { get; init; }

    /// <summary>The peer's libp2p PublicKey protobuf, as sent.</summary>
    public ReadOnlyMemory<byte>? PublicKey { get; init; }

    public IReadOnlyList<Multiaddr> ListenAddresses { get; init; } = [];

    public Multiaddr? ObservedAddress { get; init; }

    public IReadOnlyList<string> Protocols { get; init; } = [];

    /// <summary>True when the message listed protocols (in a push, an absent list means "unchanged").</summary>
    public bool HasProtocols { get; init; }

    /// <summary>True when the message listed listen addresses.</summary>
    public bool HasListenAddresses { get; init; }

    public byte[] Encode()
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        var writer = new ProtobufWriter(buffer);
        if (PublicKey is { } key)
        {
            writer.WriteBytes(1, key.Span);
        }

        foreach (var address in ListenAddresses)
        {
            writer.WriteBytes(2, address.Bytes.Span);
        }

        foreach (string protocol in Protocols)
        {
            writer.WriteString(3, protocol);
        }

        if (ObservedAddress is { } observed)
        {
            writer.WriteBytes(4, observed.Bytes.Span);
        }

        if (ProtocolVersion is { } protocolVersion)
        {
            writer.WriteString(5, protocolVersion);
        }

        if (AgentVersion is { } agentVersion)
        {
            writer.WriteString(6, agentVersion);
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// Decodes a message. Throws <see cref="LibP2pFormatException"/> for a malformed protobuf or text
    /// that is not UTF-8; addresses this library cannot read are left out rather than failing the peer,
    /// and entries beyond <see cref="MaxEntries"/> are dropped.
    /// </summary>
    public static IdentifyMessage Decode(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > MaxLength)
        {
            throw new LibP2pFormatException($"identify: a message of {bytes.Length} bytes is over the limit of {MaxLength}.");
        }

        var reader = new ProtobufReader(bytes);
        var listen = new List<Multiaddr>();
        var protocols = new List<string>();
        string? protocolVersion = null, agentVersion = null;
        byte[]? publicKey = null;
        Multiaddr? observed = null;
        bool hasProtocols = false, hasListen = false;
        while (reader.TryReadTag(out int field, out var wireType))
        {
            if (field is < 1 or > 6)
            {
                reader.Skip(wireType);
                continue;
            }

            ProtobufReader.Expect(wireType, WireType.LengthDelimited, field);
            var value = reader.ReadBytes();
            switch (field)
            {
                case 1:
                    publicKey = value.ToArray();
                    break;
                case 2:
                    hasListen = true;
                    if (listen.Count < MaxEntries && Multiaddr.TryFromBytes(value, out var address))
                    {
                        listen.Add(address);
                    }

                    break;
                case 3:
                    hasProtocols = true;
                    if (protocols.Count < MaxEntries)
                    {
                        protocols.Add(Text(value));
                    }

                    break;
                case 4:
                    observed = Multiaddr.TryFromBytes(value, out var seen) ? seen : null;
                    break;
                case 5:
                    protocolVersion = Text(value);
                    break;
                case 6:
                    agentVersion = Text(value);
                    break;
            }
        }

        return new IdentifyMessage
        {
            ProtocolVersion = protocolVersion,
            AgentVersion = agentVersion,
            PublicKey = publicKey,
            ListenAddresses = listen,
            ObservedAddress = observed,
            Protocols = protocols,
            HasProtocols = hasProtocols,
            HasListenAddresses = hasListen,
        };
    }

    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static string Text(ReadOnlySpan<byte> value)
    {
        try
        {
            return Strict.GetString(value);
        }
        catch (DecoderFallbackException e)
        {
            throw new LibP2pFormatException("identify: a text field is not UTF-8.", e);
        }
    }
}
