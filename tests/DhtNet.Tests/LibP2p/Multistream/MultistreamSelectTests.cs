namespace DhtNet.Tests.LibP2p.Multistream;

public sealed class MultistreamSelectTests
{
    private const string Noise = "/noise";
    private const string Yamux = "/yamux/1.0.0";

    [Theory]
    [InlineData("na", "036e610a")] // the connections spec's example
    [InlineData("/multistream/1.0.0", "132f6d756c746973747265616d2f312e302e300a")]
    [InlineData("/noise", "072f6e6f6973650a")]
    public void Encode_SpecExamples_Match(string message, string hex)
    {
        Assert.Equal(hex, Convert.ToHexStringLower(MultistreamSelect.Encode([message])));
    }

    [Fact]
    public void Encode_LongMessage_UsesTwoByteVarint()
    {
        string message = new('a', 200);
        byte[] bytes = MultistreamSelect.Encode([message]);
        Assert.Equal([0xC9, 0x01], bytes[..2]); // 201 = 0xC9 0x01
        Assert.Equal(203, bytes.Length);
    }

    [Fact]
    public async Task SelectAsync_SupportedProtocol_IsEchoed()
    {
        await using var pair = await LoopbackPair.CreateAsync();
        var responder = MultistreamSelect.RespondAsync(pair.Server, p => p == Yamux);
        string selected = await MultistreamSelect.SelectAsync(pair.Client, [Yamux]);
        Assert.Equal(Yamux, selected);
        Assert.Equal(Yamux, await responder);
    }

    [Fact]
    public async Task SelectAsync_FirstRefused_FallsBackToSecond()
    {
        await using var pair = await LoopbackPair.CreateAsync();
        var responder = MultistreamSelect.RespondAsync(pair.Server, p => p == Noise);
        string selected = await MultistreamSelect.SelectAsync(pair.Client, ["/tls/1.0.0", Noise]);
        Assert.Equal(Noise, selected);
        Assert.Equal(Noise, await responder);
    }

    [Fact]
    public async Task SelectAsync_NoneSupported_Throws()
    {
        await using var pair = await LoopbackPair.CreateAsync();
        var responder = MultistreamSelect.RespondAsync(pair.Server, _ => false);
        var error = await Assert.ThrowsAsync<LibP2pProtocolException>(() => MultistreamSelect.SelectAsync(pair.Client, ["/a", "/b"]));
        Assert.Contains("none of", error.Message, StringComparison.Ordinal);
        pair.Client.Close();
        await Assert.ThrowsAsync<LibP2pProtocolException>(() => responder);
    }

    [Fact]
    public async Task RespondAsync_ListRequest_AnswersNotAvailable()
    {
        byte[] input = MultistreamSelect.Encode([MultistreamSelect.ProtocolId, MultistreamSelect.List, Noise]);
        var stream = new ScriptedStream(input);
        Assert.Equal(Noise, await MultistreamSelect.RespondAsync(stream, p => p == Noise));
        Assert.Equal(MultistreamSelect.Encode([MultistreamSelect.ProtocolId, MultistreamSelect.NotAvailable, Noise]), stream.Written);
    }

    [Fact]
    public async Task RespondAsync_ProtocolAndPayloadInOneRead_LeavesPayloadUnread()
    {
        byte[] payload = [0xde, 0xad, 0xbe, 0xef, 0x0a];
        byte[] input = [.. MultistreamSelect.Encode([MultistreamSelect.ProtocolId, Yamux]), .. payload];
        var stream = new ScriptedStream(input);
        Assert.Equal(Yamux, await MultistreamSelect.RespondAsync(stream, p => p == Yamux));
        Assert.Equal(payload, stream.Unread);
    }

    [Fact]
    public async Task SelectAsync_EchoAndPayloadInOneRead_LeavesPayloadUnread()
    {
        byte[] payload = [1, 2, 3];
        byte[] input = [.. MultistreamSelect.Encode([MultistreamSelect.ProtocolId, Yamux]), .. payload];
        var stream = new ScriptedStream(input);
        Assert.Equal(Yamux, await MultistreamSelect.SelectAsync(stream, [Yamux]));
        Assert.Equal(payload, stream.Unread);
        Assert.Equal(MultistreamSelect.Encode([MultistreamSelect.ProtocolId, Yamux]), stream.Written);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(7)]
    public async Task RespondAsync_SplitAtEveryChunkSize_Selects(int chunk)
    {
        byte[] input = MultistreamSelect.Encode([MultistreamSelect.ProtocolId, "/x", Yamux]);
        var stream = new ScriptedStream(input, chunk);
        Assert.Equal(Yamux, await MultistreamSelect.RespondAsync(stream, p => p == Yamux));
    }

    [Fact]
    public async Task RespondAsync_TruncatedAtEveryOffset_ThrowsProtocolException()
    {
        byte[] input = MultistreamSelect.Encode([MultistreamSelect.ProtocolId, Yamux]);
        for (int cut = 0; cut < input.Length; cut++)
        {
            var stream = new ScriptedStream(input[..cut]);
            await Assert.ThrowsAsync<LibP2pProtocolException>(() => MultistreamSelect.RespondAsync(stream, p => p == Yamux));
        }
    }

    [Theory]
    [InlineData("00")] // empty message
    [InlineData("0161")] // no newline
    [InlineData("ff7f")] // 16383 bytes: over the limit
    [InlineData("8180808080808080808001")] // a varint longer than 9 bytes
    [InlineData("8100")] // not minimal
    [InlineData("03ff fe0a")] // not UTF-8
    [InlineData("0a2f6e6f6973652f312e0a")] // a wrong header
    [InlineData("474554202f20485454502f312e310d0a")] // an HTTP request
    public async Task RespondAsync_Garbage_ThrowsProtocolException(string hex)
    {
        var stream = new ScriptedStream(Convert.FromHexString(hex.Replace(" ", string.Empty, StringComparison.Ordinal)));
        await Assert.ThrowsAsync<LibP2pProtocolException>(() => MultistreamSelect.RespondAsync(stream, _ => true));
    }

    [Fact]
    public async Task RespondAsync_EndlessProposals_GivesUp()
    {
        var messages = new List<string> { MultistreamSelect.ProtocolId };
        messages.AddRange(Enumerable.Range(0, MultistreamSelect.MaxProposals + 5).Select(i => $"/p/{i}"));
        var stream = new ScriptedStream(MultistreamSelect.Encode(messages));
        var error = await Assert.ThrowsAsync<LibP2pProtocolException>(() => MultistreamSelect.RespondAsync(stream, _ => false));
        Assert.Contains("proposals", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SelectAsync_UnexpectedAnswer_Throws()
    {
        var stream = new ScriptedStream(MultistreamSelect.Encode([MultistreamSelect.ProtocolId, "/other"]));
        await Assert.ThrowsAsync<LibP2pProtocolException>(() => MultistreamSelect.SelectAsync(stream, [Yamux]));
    }

    [Fact]
    public async Task SelectAsync_BadProtocolId_ThrowsArgumentException()
    {
        var stream = new ScriptedStream([]);
        await Assert.ThrowsAsync<ArgumentException>(() => MultistreamSelect.SelectAsync(stream, ["a\nb"]));
        await Assert.ThrowsAsync<ArgumentException>(() => MultistreamSelect.SelectAsync(stream, []));
    }
}
