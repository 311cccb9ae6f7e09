using BenchmarkDotNet.Attributes;

namespace DhtNet.Benchmarks;

/// <summary>
/// The CPU cost of Noise in memory: one whole XX handshake with the libp2p payloads (both sides:
/// three messages, two Ed25519 signatures and checks, five X25519 agreements) and one full transport
/// frame (65,519 bytes of plaintext) encrypted.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 8)]
public class NoiseBenchmarks
{
    private readonly PrivateKey _initiatorIdentity = Ed25519PrivateKey.Generate();
    private readonly PrivateKey _responderIdentity = Ed25519PrivateKey.Generate();
    private readonly byte[] _plaintext = new byte[NoiseSecureStream.MaxPlaintextLength];
    private readonly byte[] _frame = new byte[NoiseSecureStream.MaxFrameLength];
    private readonly byte[] _message = new byte[1024];
    private NoiseCipherState _send = new();

    [GlobalSetup]
    public void Setup()
    {
        _send = new NoiseCipherState();
        _send.InitializeKey(new byte[32]);
    }

    [GlobalCleanup]
    public void Cleanup() => _send.Dispose();

    [Benchmark]
    public PublicKey XxHandshakeWithLibp2pPayloads()
    {
        using var initiatorStatic = NoiseHandshakeState.NewKey();
        using var responderStatic = NoiseHandshakeState.NewKey();
        using var initiator = new NoiseHandshakeState(true, initiatorStatic, []);
        using var responder = new NoiseHandshakeState(false, responderStatic, []);
        int length = initiator.WriteMessage([], _message);
        responder.ReadMessage(_message.AsSpan(0, length));
        length = responder.WriteMessage(NoiseHandshakePayload.Create(_responderIdentity, NoiseHandshakeState.PublicKeyOf(responderStatic)), _message);
        var responderKey = NoiseHandshakePayload.Verify(initiator.ReadMessage(_message.AsSpan(0, length)), initiator.RemoteStaticKey);
        length = initiator.WriteMessage(NoiseHandshakePayload.Create(_initiatorIdentity, NoiseHandshakeState.PublicKeyOf(initiatorStatic)), _message);
        NoiseHandshakePayload.Verify(responder.ReadMessage(_message.AsSpan(0, length)), responder.RemoteStaticKey);
        var (a, b) = initiator.Split();
        a.Dispose();
        b.Dispose();
        return responderKey;
    }

    [Benchmark]
    public int EncryptFullFrame() => _send.Encrypt([], _plaintext, _frame);
}
