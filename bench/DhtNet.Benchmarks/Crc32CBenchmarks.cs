using System.IO.Hashing;
using BenchmarkDotNet.Attributes;

namespace DhtNet.Benchmarks;

/// <summary>
/// BEP 42's CRC-32C: ours (SSE 4.2 / ARMv8 instruction, table fallback) against System.IO.Hashing's
/// Castagnoli parameter set. BEP 42 hashes 4 bytes (IPv4) or 8 bytes (IPv6) per node id check, so each
/// operation is one hash of a different input of that length (1 KiB shows bulk throughput).
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 10)]
public class Crc32CBenchmarks
{
    private const int Inputs = 1024;

    private byte[] _data = [];

    [Params(4, 8, 1024)]
    public int Length { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _data = new byte[Inputs * Length];
        new Random(42).NextBytes(_data);
        for (int offset = 0; offset < _data.Length; offset += Length)
        {
            var input = _data.AsSpan(offset, Length);
            if (Crc32C.Compute(input) != Crc32.HashToUInt32(Crc32ParameterSet.Crc32C, input))
            {
                throw new InvalidOperationException("The two CRC-32C implementations disagree.");
            }
        }
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Inputs)]
    public uint Ours()
    {
        uint sum = 0;
        for (int offset = 0; offset < _data.Length; offset += Length)
        {
            sum += Crc32C.Compute(_data.AsSpan(offset, Length));
        }

        return sum;
    }

    [Benchmark(OperationsPerInvoke = Inputs)]
    public uint SystemIOHashing()
    {
        uint sum = 0;
        for (int offset = 0; offset < _data.Length; offset += Length)
        {
            sum += Crc32.HashToUInt32(Crc32ParameterSet.Crc32C, _data.AsSpan(offset, Length));
        }

        return sum;
    }
}
