using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace DhtNet.Benchmarks;

/// <summary>
/// Reading and writing KRPC-sized bencode: a find_node response with 8 nodes and a get_peers
/// response with 50 peers. Reading must allocate nothing; the MB/s column is payload bytes per mean time.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(ThroughputConfig))]
public class BencodeBenchmarks
{
    private static readonly byte[] LocalId = Filled(20, 0x11);
    private static readonly byte[] Nodes = Filled(8 * 26, 0x22);
    private static readonly byte[] Token = Filled(8, 0x33);
    private static readonly byte[] Peer = Filled(6, 0x44);
    private static readonly byte[] ExternalIp = Filled(6, 0x55);

    private readonly byte[] _output = new byte[2048];

    /// <summary>Encoded find_node response: {ip, r: {id, nodes}, t, v, y}.</summary>
    public static byte[] FindNodeResponse { get; } = Encode(WriteFindNode);

    /// <summary>Encoded get_peers response: {r: {id, token, values: 50 peers}, t, v, y}.</summary>
    public static byte[] GetPeersResponse { get; } = Encode(WriteGetPeers);

    [Benchmark]
    public long ReadFindNode() => Walk(FindNodeResponse);

    [Benchmark]
    public long ReadGetPeers50() => Walk(GetPeersResponse);

    [Benchmark]
    public long WriteFindNodeToSpan()
    {
        var writer = new BencodeWriter(_output);
        WriteFindNode(ref writer);
        return writer.BytesWritten;
    }

    [Benchmark]
    public long WriteGetPeers50ToSpan()
    {
        var writer = new BencodeWriter(_output);
        WriteGetPeers(ref writer);
        return writer.BytesWritten;
    }

    /// <summary>Payload size for the throughput column.</summary>
    internal static int PayloadSize(string benchmark) =>
        benchmark.Contains("FindNode", StringComparison.Ordinal) ? FindNodeResponse.Length : GetPeersResponse.Length;

    private static long Walk(ReadOnlySpan<byte> data)
    {
        var reader = new BencodeReader(data);
        long checksum = 0;
        while (reader.Read())
        {
            checksum += reader.TokenType == BencodeTokenType.Integer ? reader.GetInt64() : reader.ValueSpan.Length;
        }

        return checksum;
    }

    private static void WriteFindNode(ref BencodeWriter writer)
    {
        writer.WriteStartDictionary();
        writer.WriteKey("ip"u8);
        writer.WriteByteString(ExternalIp);
        writer.WriteKey("r"u8);
        writer.WriteStartDictionary();
        writer.WriteKey("id"u8);
        writer.WriteByteString(LocalId);
        writer.WriteKey("nodes"u8);
        writer.WriteByteString(Nodes);
        writer.WriteEnd();
        WriteTrailer(ref writer);
    }

    private static void WriteGetPeers(ref BencodeWriter writer)
    {
        writer.WriteStartDictionary();
        writer.WriteKey("r"u8);
        writer.WriteStartDictionary();
        writer.WriteKey("id"u8);
        writer.WriteByteString(LocalId);
        writer.WriteKey("token"u8);
        writer.WriteByteString(Token);
        writer.WriteKey("values"u8);
        writer.WriteStartList();
        for (int i = 0; i < 50; i++)
        {
            writer.WriteByteString(Peer);
        }

        writer.WriteEnd();
        writer.WriteEnd();
        WriteTrailer(ref writer);
    }

    private static void WriteTrailer(ref BencodeWriter writer)
    {
        writer.WriteKey("t"u8);
        writer.WriteByteString("\x12\x34"u8);
        writer.WriteKey("v"u8);
        writer.WriteByteString("DN01"u8);
        writer.WriteKey("y"u8);
        writer.WriteByteString("r"u8);
        writer.WriteEnd();
    }

    private delegate void Writer(ref BencodeWriter writer);

    private static byte[] Encode(Writer write)
    {
        byte[] buffer = new byte[2048];
        var writer = new BencodeWriter(buffer);
        write(ref writer);
        return writer.WrittenSpan.ToArray();
    }

    private static byte[] Filled(int length, byte value)
    {
        byte[] bytes = new byte[length];
        bytes.AsSpan().Fill(value);
        return bytes;
    }

    private sealed class ThroughputConfig : ManualConfig
    {
        public ThroughputConfig() => AddColumn(StatisticColumn.Median, new ThroughputColumn());
    }

    /// <summary>Payload megabytes (10^6 bytes) per second at the mean time.</summary>
    private sealed class ThroughputColumn : IColumn
    {
        public string Id => nameof(ThroughputColumn);

        public string ColumnName => "MB/s";

        public bool AlwaysShow => true;

        public ColumnCategory Category => ColumnCategory.Custom;

        public int PriorityInCategory => 0;

        public bool IsNumeric => true;

        public UnitType UnitType => UnitType.Dimensionless;

        public string Legend => "Payload bytes / mean time, in 10^6 bytes per second";

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) =>
            GetValue(summary, benchmarkCase, SummaryStyle.Default);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            var statistics = summary[benchmarkCase]?.ResultStatistics;
            if (statistics is null || statistics.Mean <= 0)
            {
                return "-";
            }

            int size = PayloadSize(benchmarkCase.Descriptor.WorkloadMethod.Name);
            double megabytesPerSecond = size / statistics.Mean * 1e9 / 1e6;
            return $"{megabytesPerSecond:N0} ({size} B)";
        }

        public bool IsAvailable(Summary summary) => true;

        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    }
}
