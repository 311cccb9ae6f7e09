using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace DhtNet.Ipfs.Bootstrap;

/// <summary>
/// Asks one DNS server for the TXT records of one name (RFC 1035): over UDP with EDNS(0) room for a
/// large answer, and again over TCP when the answer comes back truncated. Every failure is a
/// <see cref="DnsAddrException"/>; a reply that is not ours (wrong id or sender) is ignored.
/// </summary>
internal static class DnsTxtClient
{
    private const ushort TypeTxt = 16;
    private const ushort TypeOpt = 41;
    private const ushort ClassIn = 1;
    private const ushort EdnsUdpSize = 4096;
    private const int HeaderSize = 12;
    private const int MaxNameLength = 253;
    private const int MaxLabelLength = 63;
    private const int RcodeNameError = 3;

    /// <summary>The TXT strings of <paramref name="name"/> (each record's strings joined, as resolvers do); empty when the name does not exist.</summary>
    public static async Task<IReadOnlyList<string>> QueryAsync(IPEndPoint server, string name, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ushort id = (ushort)RandomNumberGenerator.GetInt32(ushort.MaxValue + 1);
        byte[] query = EncodeQuery(id, name);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            byte[] reply = await QueryUdpAsync(server, id, query, deadline.Token).ConfigureAwait(false);
            if (IsTruncated(reply))
            {
                reply = await QueryTcpAsync(server, query, deadline.Token).ConfigureAwait(false);
            }

            return ParseTxt(reply, id, name);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new DnsAddrException($"{name}: no answer from the DNS server {server} within {timeout.TotalSeconds:0.###} s");
        }
        catch (SocketException e)
        {
            throw new DnsAddrException($"{name}: the DNS server {server} could not be asked ({e.Message})", e);
        }
        catch (IOException e)
        {
            throw new DnsAddrException($"{name}: the DNS server {server} could not be asked ({e.Message})", e);
        }
    }

    /// <summary>A standard query (recursion desired) for the TXT records of <paramref name="name"/>, with an EDNS(0) OPT record.</summary>
    public static byte[] EncodeQuery(ushort id, string name)
    {
        string trimmed = name.TrimEnd('.');
        if (trimmed.Length == 0 || trimmed.Length > MaxNameLength || !Ascii.IsValid(trimmed))
        {
            throw new DnsAddrException($"'{name}' is not a DNS name");
        }

        string[] labels = trimmed.Split('.');
        var buffer = new byte[HeaderSize + trimmed.Length + 2 + 4 + 11];
        var span = buffer.AsSpan();
        BinaryPrimitives.WriteUInt16BigEndian(span, id);
        BinaryPrimitives.WriteUInt16BigEndian(span[2..], 0x0100); // RD
        BinaryPrimitives.WriteUInt16BigEndian(span[4..], 1); // QDCOUNT
        BinaryPrimitives.WriteUInt16BigEndian(span[10..], 1); // ARCOUNT: the OPT record
        int offset = HeaderSize;
        foreach (string label in labels)
        {
            if (label.Length is 0 or > MaxLabelLength)
            {
                throw new DnsAddrException($"'{name}' is not a DNS name (a label is empty or longer than {MaxLabelLength})");
            }

            span[offset++] = (byte)label.Length;
            offset += Encoding.ASCII.GetBytes(label, span[offset..]);
        }

        span[offset++] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(span[offset..], TypeTxt);
        BinaryPrimitives.WriteUInt16BigEndian(span[(offset + 2)..], ClassIn);
        offset += 4;

        // OPT: root name, type 41, the UDP payload size in the class field, no flags, no options.
        span[offset++] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(span[offset..], TypeOpt);
        BinaryPrimitives.WriteUInt16BigEndian(span[(offset + 2)..], EdnsUdpSize);
        offset += 10;
        return buffer[..offset];
    }

    /// <summary>The TXT strings of a reply to query <paramref name="id"/>; throws <see cref="DnsAddrException"/> for a malformed or failed one.</summary>
    public static IReadOnlyList<string> ParseTxt(ReadOnlySpan<byte> reply, ushort id, string name)
    {
        if (reply.Length < HeaderSize)
        {
            throw Malformed(name, "shorter than a DNS header");
        }

        ushort flags = BinaryPrimitives.ReadUInt16BigEndian(reply[2..]);
        if (BinaryPrimitives.ReadUInt16BigEndian(reply) != id || (flags & 0x8000) == 0)
        {
            throw Malformed(name, "not a reply to our query");
        }

        int rcode = flags & 0xF;
        if (rcode == RcodeNameError)
        {
            return [];
        }

        if (rcode != 0)
        {
            throw new DnsAddrException($"{name}: the DNS server answered with error code {rcode}");
        }

        int questions = BinaryPrimitives.ReadUInt16BigEndian(reply[4..]);
        int answers = BinaryPrimitives.ReadUInt16BigEndian(reply[6..]);
        int offset = HeaderSize;
        for (int i = 0; i < questions; i++)
        {
            offset = SkipName(reply, offset, name) + 4;
        }

        var texts = new List<string>();
        for (int i = 0; i < answers; i++)
        {
            offset = SkipName(reply, offset, name);
            if (offset + 10 > reply.Length)
            {
                throw Malformed(name, "an answer is cut short");
            }

            ushort type = BinaryPrimitives.ReadUInt16BigEndian(reply[offset..]);
            ushort recordClass = BinaryPrimitives.ReadUInt16BigEndian(reply[(offset + 2)..]);
            int length = BinaryPrimitives.ReadUInt16BigEndian(reply[(offset + 8)..]);
            offset += 10;
            if (offset + length > reply.Length)
            {
                throw Malformed(name, "an answer's data runs past the end");
            }

            // Other records (a CNAME on the way to the TXT) are passed over.
            if (type == TypeTxt && recordClass == ClassIn)
            {
                texts.Add(ReadTxtData(reply.Slice(offset, length), name));
            }

            offset += length;
        }

        return texts;
    }

    private static bool IsTruncated(ReadOnlySpan<byte> reply) => reply.Length >= 4 && (reply[2] & 0x02) != 0;

    /// <summary>The character-strings of one TXT record joined into one text.</summary>
    private static string ReadTxtData(ReadOnlySpan<byte> data, string name)
    {
        var text = new StringBuilder(data.Length);
        int offset = 0;
        while (offset < data.Length)
        {
            int length = data[offset++];
            if (offset + length > data.Length)
            {
                throw Malformed(name, "a TXT string runs past its record");
            }

            text.Append(Encoding.UTF8.GetString(data.Slice(offset, length)));
            offset += length;
        }

        return text.ToString();
    }

    /// <summary>The offset after a (possibly compressed) name; pointers are not followed, only stepped over.</summary>
    private static int SkipName(ReadOnlySpan<byte> message, int offset, string name)
    {
        while (true)
        {
            if (offset >= message.Length)
            {
                throw Malformed(name, "a name runs past the end");
            }

            int length = message[offset];
            switch (length & 0xC0)
            {
                case 0xC0:
                    if (offset + 2 > message.Length)
                    {
                        throw Malformed(name, "a name pointer is cut short");
                    }

                    return offset + 2;
                case 0:
                    offset += 1 + length;
                    if (length == 0)
                    {
                        return offset;
                    }

                    break;
                default:
                    throw Malformed(name, "a name has a label of an unknown kind");
            }
        }
    }

    private static async Task<byte[]> QueryUdpAsync(IPEndPoint server, ushort id, byte[] query, CancellationToken cancellationToken)
    {
        using var socket = new Socket(server.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        socket.Connect(server);
        await socket.SendAsync(query, SocketFlags.None, cancellationToken).ConfigureAwait(false);
        byte[] buffer = new byte[ushort.MaxValue];
        while (true)
        {
            // A connected socket receives only from the server; a datagram with another id (a late
            // answer to someone else, or a forgery) is dropped and the wait goes on.
            int read = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            if (read >= 2 && BinaryPrimitives.ReadUInt16BigEndian(buffer) == id)
            {
                return buffer[..read];
            }
        }
    }

    private static async Task<byte[]> QueryTcpAsync(IPEndPoint server, byte[] query, CancellationToken cancellationToken)
    {
        using var client = new TcpClient(server.AddressFamily);
        await client.ConnectAsync(server, cancellationToken).ConfigureAwait(false);
        var stream = client.GetStream();
        byte[] framed = new byte[2 + query.Length];
        BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)query.Length);
        query.CopyTo(framed, 2);
        await stream.WriteAsync(framed, cancellationToken).ConfigureAwait(false);
        byte[] prefix = new byte[2];
        await stream.ReadExactlyAsync(prefix, cancellationToken).ConfigureAwait(false);
        byte[] reply = new byte[BinaryPrimitives.ReadUInt16BigEndian(prefix)];
        await stream.ReadExactlyAsync(reply, cancellationToken).ConfigureAwait(false);
        return reply;
    }

    private static DnsAddrException Malformed(string name, string problem) => new($"{name}: malformed DNS reply ({problem})");
}
