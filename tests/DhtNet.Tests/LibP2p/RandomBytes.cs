namespace DhtNet.Tests.LibP2p;

internal static class RandomBytes
{
    /// <summary>Reproducible pseudo-random bytes: a failure can be replayed with the same seed.</summary>
    public static byte[] Create(int length, int seed)
    {
        byte[] bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
