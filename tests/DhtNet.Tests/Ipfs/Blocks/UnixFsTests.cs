using System.Text;

namespace DhtNet.Tests.Ipfs.Blocks;

/// <summary>The CIDs kubo gives small files and the empty objects (ipfs add, ipfs object new).</summary>
public class UnixFsTests
{
    public static readonly TheoryData<string, int, bool?, string> AddVectors = new()
    {
        // ipfs add (CIDv0, dag-pb leaf)
        { "hello world\n", 0, null, "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o" },
        { "", 0, null, "QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH" },

        // ipfs add --cid-version=1 (raw leaves implied) and --raw-leaves (a raw block is never CIDv0)
        { "hello world", 1, null, "bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e" },
        { "hello world", 0, true, "bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e" },
    };

    [Theory]
    [MemberData(nameof(AddVectors))]
    public void AddFile_KnownContent_KuboCid(string content, int cidVersion, bool? rawLeaves, string expected)
    {
        var block = UnixFs.AddFile(Encoding.UTF8.GetBytes(content), cidVersion, rawLeaves);

        Assert.Equal(expected, block.Cid.ToString());
        Assert.True(block.Cid.Multihash.Matches(block.Data.Span));
    }

    [Fact]
    public void AddFile_CidVersion1WithoutRawLeaves_DagPbCidOfTheSameNode()
    {
        var v0 = UnixFs.AddFile("hello world\n"u8, 0);

        var v1 = UnixFs.AddFile("hello world\n"u8, 1, rawLeaves: false);

        Assert.Equal(1, v1.Cid.Version);
        Assert.Equal(Multicodec.DagPb, v1.Cid.Codec);
        Assert.Equal(v0.Cid.Multihash, v1.Cid.Multihash);
        Assert.Equal(20, v1.Data.Length);
    }

    [Fact]
    public void EmptyObjects_KuboCids()
    {
        Assert.Equal("QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn", UnixFs.EmptyDirectory.Cid.ToString());
        Assert.Equal("QmdfTbBqBPQ7VNxZEYEj14VmRuZBkqFbiwReogJgS1zR1n", UnixFs.EmptyNode.Cid.ToString());
    }

    [Fact]
    public void AddFile_MoreThanOneChunk_Throws()
    {
        Assert.Throws<ArgumentException>(() => UnixFs.AddFile(new byte[UnixFs.MaxChunkSize + 1]));
        Assert.Equal(UnixFs.MaxChunkSize + 14, UnixFs.AddFile(new byte[UnixFs.MaxChunkSize]).Data.Length);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(2)]
    public void AddFile_UnknownCidVersion_Throws(int version) =>
        Assert.Throws<ArgumentException>(() => UnixFs.AddFile("x"u8, version));
}
