using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace DhtNet.Tests.Ipfs.Bootstrap;

/// <summary>
/// A tiny authoritative DNS server on 127.0.0.1 for the tests: answers TXT queries from <see cref="Records"/>
/// over UDP and TCP on the same port (RFC 1035 framing), NXDOMAIN for names it does not know. It can also
/// truncate its UDP answers (so the client must ask again over TCP), answer with an error code, or stay silent.
/// </summary>
internal sealed class LocalDnsServer : IAsyncDisposable
{
    private readonly UdpClient _udp;
    private readonly TcpListener _tcp;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _udpLoop;
    private readonly Task _tcpLoop;
    private int _udpQueries;
    private int _tcpQueries;

    public LocalDnsServer()
    {
        // TCP takes the port UDP got; in the rare case that it is taken for TCP, take another pair.
        for (int attempt = 0; ; attempt++)
        {
            var udp = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
            var tcp = new TcpListener(IPAddress.Loopback, ((IPEndPoint)udp.Client.LocalEndPoint!).Port);
            try
            {
                tcp.Start();
                _udp = udp;
                _tcp = tcp;
                break;
            }
            catch (SocketException) when (attempt < 10)
            {
                udp.Dispose();
            }
        }

        EndPoint = (IPEndPoint)_udp.Client.LocalEndPoint!;
        _udpLoop = ServeUdpAsync();
        _tcpLoop = ServeTcpAsync();
    }

    public IPEndPoint EndPoint { get; }

    /// <summary>TXT records by name (without the trailing dot); each string is one record.</summary>
    public Dictionary<string, List<string>> Records { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Answer over UDP with the TC bit and no records, so that only TCP gives the answer.</summary>
    public bool TruncateUdp { get; set; }

    /// <summary>Answer nothing at all.</summary>
    public bool Silent { get; set; }

    /// <summary>The response code of every answer (0 for success; 2 is SERVFAIL).</summary>
    public int ResponseCode { get; set; }

    public int UdpQueries => Volatile.Read(ref _udpQueries);

    public int TcpQueries => Volatile.Read(ref _tcpQueries);

    public void Add(string name, params string[] texts)
    {
        if (!Records.TryGetValue(name, out var list))
        {
            Records[name] = list = [];
        }

        list.AddRange(texts);
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _udp.Dispose();
        _tcp.Stop();
        await Task.WhenAll(_udpLoop, _tcpLoop).ContinueWith(_ => { }, TaskScheduler.Default);
        _stop.Dispose();
    }

    private async Task ServeUdpAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            UdpReceiveResult received;
            try
            {
                received = await _udp.ReceiveAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            Interlocked.Increment(ref _udpQueries);
            if (!Silent && Answer(received.Buffer, truncate: TruncateUdp) is { } reply)
            {
                await _udp.SendAsync(reply, received.RemoteEndPoint, _stop.Token);
            }
        }
    }

    private async Task ServeTcpAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _tcp.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            using (client)
            {
                var stream = client.GetStream();
                byte[] prefix = new byte[2];
                await stream.ReadExactlyAsync(prefix, _stop.Token);
                byte[] query = new byte[BinaryPrimitives.ReadUInt16BigEndian(prefix)];
                await stream.ReadExactlyAsync(query, _stop.Token);
                Interlocked.Increment(ref _tcpQueries);
                if (!Silent && Answer(query, truncate: false) is { } reply)
                {
                    byte[] framed = new byte[2 + reply.Length];
                    BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)reply.Length);
                    reply.CopyTo(framed, 2);
                    await stream.WriteAsync(framed, _stop.Token);
                }
            }
        }
    }

    /// <summary>The reply to one query: its id and question, then a TXT answer per record of the name.</summary>
    private byte[]? Answer(byte[] query, bool truncate)
    {
        if (query.Length < 12)
        {
            return null;
        }

        // The question: labels up to the root, then type and class.
        var labels = new List<string>();
        int offset = 12;
        while (query[offset] != 0)
        {
            labels.Add(Encoding.ASCII.GetString(query, offset + 1, query[offset]));
            offset += 1 + query[offset];
        }

        int questionEnd = offset + 1 + 4;
        string name = string.Join('.', labels);
        bool known = Records.TryGetValue(name, out var texts);
        var answers = truncate || !known || ResponseCode != 0 ? [] : texts!;
        int rcode = ResponseCode != 0 ? ResponseCode : known ? 0 : 3;

        var reply = new List<byte>();
        reply.AddRange(query.AsSpan(0, 2).ToArray());
        ushort flags = (ushort)(0x8180 | rcode | (truncate ? 0x0200 : 0));
        reply.Add((byte)(flags >> 8));
        reply.Add((byte)flags);
        reply.AddRange([0, 1, (byte)(answers.Count >> 8), (byte)answers.Count, 0, 0, 0, 0]);
        reply.AddRange(query.AsSpan(12, questionEnd - 12).ToArray());
        foreach (string text in answers)
        {
            byte[] bytes = Encoding.UTF8.GetBytes(text);
            var data = new List<byte>();
            for (int i = 0; i < bytes.Length; i += 255)
            {
                int length = Math.Min(255, bytes.Length - i);
                data.Add((byte)length);
                data.AddRange(bytes.AsSpan(i, length).ToArray());
            }

            reply.AddRange([0xC0, 12, 0, 16, 0, 1, 0, 0, 0, 60, (byte)(data.Count >> 8), (byte)data.Count]);
            reply.AddRange(data);
        }

        return [.. reply];
    }
}
