using System.Buffers.Binary;
using System.Runtime.Intrinsics.X86;
using ArmCrc32 = System.Runtime.Intrinsics.Arm.Crc32;

namespace DhtNet.Mainline.Bep42;

/// <summary>
/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the hash BEP 42 ties node ids to
/// addresses with. Uses the SSE 4.2 (or ARMv8 CRC) instruction when the CPU has it, a table otherwise.
/// </summary>
// Kept over System.IO.Hashing's Crc32ParameterSet.Crc32C: on BEP 42's 4- and 8-byte inputs that one is
// slower (bench/DhtNet.Benchmarks/Crc32CBenchmarks); its vectorized path only pays off on long inputs.
internal static class Crc32C
{
    private const uint ReflectedPolynomial = 0x82F63B78;

    private static readonly uint[] Table = BuildTable();

    /// <summary>True when <see cref="Compute"/> runs on a CPU instruction rather than the table.</summary>
    public static bool IsHardwareAccelerated => Sse42.IsSupported || ArmCrc32.IsSupported;

    /// <summary>The CRC-32C of <paramref name="data"/> (initial value and final XOR 0xFFFFFFFF, as usual).</summary>
    public static uint Compute(ReadOnlySpan<byte> data) =>
        IsHardwareAccelerated ? ComputeHardware(data) : ComputeSoftware(data);

    /// <summary>The table path; always available. Internal so tests can check both paths.</summary>
    internal static uint ComputeSoftware(ReadOnlySpan<byte> data)
    {
        uint crc = uint.MaxValue;
        uint[] table = Table;
        foreach (byte b in data)
        {
            crc = table[(byte)(crc ^ b)] ^ (crc >> 8);
        }

        return ~crc;
    }

    /// <summary>The instruction path; throws when the CPU has neither SSE 4.2 nor ARMv8 CRC.</summary>
    internal static uint ComputeHardware(ReadOnlySpan<byte> data)
    {
        uint crc = uint.MaxValue;
        if (Sse42.X64.IsSupported)
        {
            while (data.Length >= sizeof(ulong))
            {
                // The instruction consumes the 8 bytes in memory order, i.e. as a little-endian value.
                crc = (uint)Sse42.X64.Crc32(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
                data = data[sizeof(ulong)..];
            }
        }

        if (Sse42.IsSupported)
        {
            while (data.Length >= sizeof(uint))
            {
                crc = Sse42.Crc32(crc, BinaryPrimitives.ReadUInt32LittleEndian(data));
                data = data[sizeof(uint)..];
            }

            foreach (byte b in data)
            {
                crc = Sse42.Crc32(crc, b);
            }

            return ~crc;
        }

        if (ArmCrc32.IsSupported)
        {
            if (ArmCrc32.Arm64.IsSupported)
            {
                while (data.Length >= sizeof(ulong))
                {
                    crc = ArmCrc32.Arm64.ComputeCrc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
                    data = data[sizeof(ulong)..];
                }
            }

            foreach (byte b in data)
            {
                crc = ArmCrc32.ComputeCrc32C(crc, b);
            }

            return ~crc;
        }

        throw new PlatformNotSupportedException("This CPU has no CRC-32C instruction.");
    }

    private static uint[] BuildTable()
    {
        var table = new uint[256];
        for (uint i = 0; i < table.Length; i++)
        {
            uint c = i;
            for (int bit = 0; bit < 8; bit++)
            {
                c = (c & 1) != 0 ? (c >> 1) ^ ReflectedPolynomial : c >> 1;
            }

            table[i] = c;
        }

        return table;
    }
}
