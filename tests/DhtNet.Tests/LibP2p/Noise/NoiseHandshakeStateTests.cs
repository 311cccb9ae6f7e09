namespace DhtNet.Tests.LibP2p.Noise;

/// <summary>The XX state machine against the cacophony test vector for Noise_XX_25519_ChaChaPoly_SHA256.</summary>
public sealed class NoiseHandshakeStateTests
{
    private const string Prologue = "4a6f686e2047616c74";
    private const string InitiatorStatic = "e61ef9919cde45dd5f82166404bd08e38bceb5dfdfded0a34c8df7ed542214d1";
    private const string InitiatorEphemeral = "893e28b9dc6ca8d611ab664754b8ceb7bac5117349a4439a6b0569da977c464a";
    private const string ResponderStatic = "4a3acbfdb163dec651dfa3194dece676d437029c62a408b4c5ea9114246e4893";
    private const string ResponderEphemeral = "bbdb4cdbd309f1a1f2e1456967fe288cadd6f712d65dc7b7793d5e63da6b375b";
    private const string HandshakeHash = "c8e5f64e846193be2a834104c2a009868d6c9f3bd3c186299888b488b2f1f58e";

    // (payload, ciphertext): three handshake messages, then transport messages; the sender alternates.
    public static TheoryData<int, string, string> Messages => new()
    {
        { 0, "4c756477696720766f6e204d69736573", "ca35def5ae56cec33dc2036731ab14896bc4c75dbb07a61f879f8e3afa4c79444c756477696720766f6e204d69736573" },
        { 1, "4d757272617920526f746862617264", "95ebc60d2b1fa672c1f46a8aa265ef51bfe38e7ccb39ec5be34069f14480884381cbad1f276e038c48378ffce2b65285e08d6b68aaa3629a5a8639392490e5b9bd5269c2f1e4f488ed8831161f19b7815528f8982ffe09be9b5c412f8a0db50f8814c7194e83f23dbd8d162c9326ad" },
        { 2, "462e20412e20486179656b", "c7195ffacac1307ff99046f219750fc47693e23c3cb08b89c2af808b444850a80ae475b9df0f169ae80a89be0865b57f58c9fea0d4ec82a286427402f113e4b6ae769a1d95941d49b25030" },
        { 3, "4361726c204d656e676572", "96763ed773f8e47bb3712f0e29b3060ffc956ffc146cee53d5e1df" },
        { 4, "4a65616e2d426170746973746520536179", "3e40f15f6f3a46ae446b253bf8b1d9ffb6ed9b174d272328ff91a7e2e5c79c07f5" },
    };

    [Theory]
    [MemberData(nameof(Messages))]
    public void CacophonyVector_EachMessage_MatchesBothWays(int index, string payload, string ciphertext)
    {
        using var run = new VectorRun();
        var written = run.Exchange(index + 1);
        Assert.Equal(ciphertext, Convert.ToHexStringLower(written[index].Ciphertext));
        Assert.Equal(payload, Convert.ToHexStringLower(written[index].Decrypted));
    }

    [Fact]
    public void CacophonyVector_HandshakeHashAndStaticKeys_Match()
    {
        using var run = new VectorRun();
        run.Exchange(3);
        Assert.Equal(HandshakeHash, Convert.ToHexStringLower(run.Initiator.HandshakeHash));
        Assert.Equal(HandshakeHash, Convert.ToHexStringLower(run.Responder.HandshakeHash));
        Assert.Equal(NoiseHandshakeState.PublicKeyOf(run.ResponderStaticKey), run.Initiator.RemoteStaticKey.ToArray());
        Assert.Equal(NoiseHandshakeState.PublicKeyOf(run.InitiatorStaticKey), run.Responder.RemoteStaticKey.ToArray());
    }

    [Fact]
    public void ReadMessage_AnyBitFlipped_FailsAuthentication()
    {
        for (int bit = 0; bit < 8 * 96; bit += 7)
        {
            using var run = new VectorRun();
            byte[] first = new byte[run.Initiator.MessageLength(0)];
            run.Initiator.WriteMessage([], first);
            run.Responder.ReadMessage(first);
            byte[] second = new byte[run.Responder.MessageLength(0)];
            run.Responder.WriteMessage([], second);
            second[bit / 8] ^= (byte)(1 << (bit % 8));
            Assert.Throws<LibP2pProtocolException>(() => run.Initiator.ReadMessage(second));
        }
    }

    [Fact]
    public void ReadMessage_Truncated_ThrowsProtocolException()
    {
        using var run = new VectorRun();
        byte[] first = new byte[run.Initiator.MessageLength(0)];
        run.Initiator.WriteMessage([], first);
        for (int cut = 0; cut < first.Length; cut++)
        {
            using var fresh = new VectorRun();
            Assert.Throws<LibP2pProtocolException>(() => fresh.Responder.ReadMessage(first[..cut]));
        }
    }

    private sealed class VectorRun : IDisposable
    {
        public VectorRun()
        {
            InitiatorStaticKey = NoiseHandshakeState.ImportKey(Convert.FromHexString(InitiatorStatic));
            ResponderStaticKey = NoiseHandshakeState.ImportKey(Convert.FromHexString(ResponderStatic));
            byte[] prologue = Convert.FromHexString(Prologue);
            Initiator = new NoiseHandshakeState(true, InitiatorStaticKey, prologue, NoiseHandshakeState.ImportKey(Convert.FromHexString(InitiatorEphemeral)));
            Responder = new NoiseHandshakeState(false, ResponderStaticKey, prologue, NoiseHandshakeState.ImportKey(Convert.FromHexString(ResponderEphemeral)));
        }

        public NSec.Cryptography.Key InitiatorStaticKey { get; }

        public NSec.Cryptography.Key ResponderStaticKey { get; }

        public NoiseHandshakeState Initiator { get; }

        public NoiseHandshakeState Responder { get; }

        public List<(byte[] Ciphertext, byte[] Decrypted)> Exchange(int count)
        {
            var payloads = Messages.Select(row => Convert.FromHexString((string)row[1])).ToArray();
            var written = new List<(byte[], byte[])>();
            NoiseCipherState? initiatorSend = null, initiatorReceive = null, responderSend = null, responderReceive = null;
            for (int i = 0; i < count; i++)
            {
                bool fromInitiator = i % 2 == 0;
                if (i < 3)
                {
                    var (writer, reader) = fromInitiator ? (Initiator, Responder) : (Responder, Initiator);
                    byte[] message = new byte[writer.MessageLength(payloads[i].Length)];
                    Assert.Equal(message.Length, writer.WriteMessage(payloads[i], message));
                    written.Add((message, reader.ReadMessage(message)));
                    if (i == 2)
                    {
                        (initiatorSend, initiatorReceive) = Initiator.Split();
                        (responderSend, responderReceive) = Responder.Split();
                    }
                }
                else
                {
                    var (send, receive) = fromInitiator ? (initiatorSend!, responderReceive!) : (responderSend!, initiatorReceive!);
                    byte[] message = new byte[payloads[i].Length + NoiseCipherState.TagLength];
                    send.Encrypt([], payloads[i], message);
                    byte[] plain = new byte[payloads[i].Length];
                    receive.Decrypt([], message, plain);
                    written.Add((message, plain));
                }
            }

            return written;
        }

        public void Dispose()
        {
            Initiator.Dispose();
            Responder.Dispose();
            InitiatorStaticKey.Dispose();
            ResponderStaticKey.Dispose();
        }
    }
}
