using System.Text;
using DhtNet.LibP2p.Multiformats;
using DhtNet.LibP2p.Transport;

namespace DhtNet.LibP2p.Multistream;

/// <summary>
/// multistream-select 1.0: agrees on one protocol over a fresh connection or stream. Every message is
/// a varint length (counting the newline), the UTF-8 text and <c>\n</c>. Nothing past the agreed
/// protocol's echo is read, so payload sent in the same packet stays in the stream for the protocol.
/// </summary>
public static class MultistreamSelect
{
    /// <summary>multistream-select's own protocol id, the first message each side sends.</summary>
    public const string ProtocolId = "/multistream/1.0.0";

    /// <summary>The answer to a protocol that is not available.</summary>
    public const string NotAvailable = "na";

    /// <summary>The request for a protocol listing, which is answered <c>na</c>: we do not disclose the list.</summary>
    public const string List = "ls";

    /// <summary>The longest message accepted, newline included (protocol ids are short paths).</summary>
    public const int MaxMessageLength = 1024;

    /// <summary>How many proposals a responder answers before it gives up on the peer.</summary>
    public const int MaxProposals = 32;

    /// <summary>
    /// As the initiator: proposes <paramref name="protocols"/> in order and returns the first the
    /// responder echoes. The header and the first proposal go out in one write. Throws
    /// <see cref="LibP2pProtocolException"/> when the responder refuses them all or breaks the protocol.
    /// </summary>
    public static async Task<string> SelectAsync(Stream stream, IReadOnlyList<string> protocols, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(protocols);
        if (protocols.Count == 0)
        {
            throw new ArgumentException("At least one protocol is needed.", nameof(protocols));
        }

        foreach (string protocol in protocols)
        {
            CheckProtocolId(protocol);
        }

        await WriteMessagesAsync(stream, [ProtocolId, protocols[0]], cancellationToken).ConfigureAwait(false);
        await ExpectHeaderAsync(stream, cancellationToken).ConfigureAwait(false);
        for (int i = 0; ; i++)
        {
            string answer = await ReadRequiredMessageAsync(stream, cancellationToken).ConfigureAwait(false);
            if (answer == protocols[i])
            {
                return answer;
            }

            if (answer != NotAvailable)
            {
                throw new LibP2pProtocolException($"multistream-select: proposed '{protocols[i]}', the peer answered '{Printable(answer)}'.");
            }

            if (i + 1 == protocols.Count)
            {
                throw new LibP2pProtocolException($"multistream-select: the peer supports none of {string.Join(", ", protocols)}.");
            }

            await WriteMessagesAsync(stream, [protocols[i + 1]], cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// As the responder: answers proposals (<c>na</c> for unsupported ones and for <c>ls</c>) until
    /// <paramref name="isSupported"/> accepts one, echoes it and returns it. Throws
    /// <see cref="LibP2pProtocolException"/> when the initiator breaks the protocol, gives up, or
    /// makes more than <see cref="MaxProposals"/> proposals.
    /// </summary>
    public static async Task<string> RespondAsync(Stream stream, Func<string, bool> isSupported, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(isSupported);

        await WriteMessagesAsync(stream, [ProtocolId], cancellationToken).ConfigureAwait(false);
        await ExpectHeaderAsync(stream, cancellationToken).ConfigureAwait(false);
        for (int i = 0; i < MaxProposals; i++)
        {
            string proposal = await ReadRequiredMessageAsync(stream, cancellationToken).ConfigureAwait(false);
            if (proposal != List && proposal != NotAvailable && isSupported(proposal))
            {
                await WriteMessagesAsync(stream, [proposal], cancellationToken).ConfigureAwait(false);
                return proposal;
            }

            await WriteMessagesAsync(stream, [NotAvailable], cancellationToken).ConfigureAwait(false);
        }

        throw new LibP2pProtocolException($"multistream-select: the peer made more than {MaxProposals} proposals.");
    }

    /// <summary>
    /// Reads one message and returns its text without the newline; null at a clean end of stream.
    /// Throws <see cref="LibP2pProtocolException"/> for an empty, oversized, unterminated or
    /// non-UTF-8 message.
    /// </summary>
    public static async Task<string?> ReadMessageAsync(Stream stream, CancellationToken cancellationToken = default)
    {
        ulong? length = await StreamVarint.ReadAsync(stream, MaxMessageLength, cancellationToken).ConfigureAwait(false);
        if (length is null)
        {
            return null;
        }

        if (length == 0)
        {
            throw new LibP2pProtocolException("multistream-select: an empty message.");
        }

        byte[] buffer = new byte[(int)length.Value];
        try
        {
            await stream.ReadExactlyAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        catch (EndOfStreamException e)
        {
            throw new LibP2pProtocolException("multistream-select: the stream ended inside a message.", e);
        }

        if (buffer[^1] != (byte)'\n')
        {
            throw new LibP2pProtocolException("multistream-select: a message does not end with a newline.");
        }

        try
        {
            return Strict.GetString(buffer.AsSpan(0, buffer.Length - 1));
        }
        catch (DecoderFallbackException e)
        {
            throw new LibP2pProtocolException("multistream-select: a message is not UTF-8.", e);
        }
    }

    /// <summary>Writes <paramref name="messages"/> as one buffer, each length-prefixed and newline-terminated.</summary>
    public static async Task WriteMessagesAsync(Stream stream, IReadOnlyList<string> messages, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(messages);
        await stream.WriteAsync(Encode(messages), cancellationToken).ConfigureAwait(false);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The wire bytes of <paramref name="messages"/>, one after another.</summary>
    public static byte[] Encode(IReadOnlyList<string> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        int size = 0;
        foreach (string message in messages)
        {
            int length = Strict.GetByteCount(message) + 1;
            size += Varint.GetLength((ulong)length) + length;
        }

        byte[] bytes = new byte[size];
        int offset = 0;
        foreach (string message in messages)
        {
            int length = Strict.GetByteCount(message) + 1;
            offset += Varint.Write(bytes.AsSpan(offset), (ulong)length);
            offset += Strict.GetBytes(message, bytes.AsSpan(offset));
            bytes[offset++] = (byte)'\n';
        }

        return bytes;
    }

    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static async Task ExpectHeaderAsync(Stream stream, CancellationToken cancellationToken)
    {
        string header = await ReadRequiredMessageAsync(stream, cancellationToken).ConfigureAwait(false);
        if (header != ProtocolId)
        {
            throw new LibP2pProtocolException($"multistream-select: the peer opened with '{Printable(header)}' instead of {ProtocolId}.");
        }
    }

    private static async Task<string> ReadRequiredMessageAsync(Stream stream, CancellationToken cancellationToken) =>
        await ReadMessageAsync(stream, cancellationToken).ConfigureAwait(false)
            ?? throw new LibP2pProtocolException("multistream-select: the peer closed the stream during negotiation.");

    private static void CheckProtocolId(string protocol)
    {
        ArgumentNullException.ThrowIfNull(protocol);
        if (protocol.Length == 0 || protocol.Contains('\n', StringComparison.Ordinal) || Strict.GetByteCount(protocol) + 1 > MaxMessageLength)
        {
            throw new ArgumentException($"'{protocol}' is not a usable protocol id.", nameof(protocol));
        }
    }

    // Peer text in an exception message: bounded and without control characters.
    private static string Printable(string text)
    {
        var builder = new StringBuilder(Math.Min(text.Length, 64));
        foreach (char c in text.AsSpan(0, Math.Min(text.Length, 64)))
        {
            builder.Append(char.IsControl(c) ? '?' : c);
        }

        return builder.ToString();
    }
}
