namespace DhtNet.Tests.LibP2p;

/// <summary>Every parser fed random bytes and every truncation of valid input throws nothing but LibP2pFormatException.</summary>
public class HostileInputTests
{
    private static readonly (string Name, Action<byte[]> Parse)[] BinaryParsers =
    [
        ("varint", b => Varint.Read(b, out _)),
        ("multihash", b => Multihash.FromBytes(b)),
        ("cid", b => Cid.FromBytes(b)),
        ("multiaddr", b => Multiaddr.FromBytes(b)),
        ("peer id", b => PeerId.FromBytes(b)),
        ("public key", b => PublicKey.Unmarshal(b)),
        ("private key", b => PrivateKey.Unmarshal(b)),
    ];

    private static readonly (string Name, Action<string> Parse)[] TextParsers =
    [
        ("multibase", t => Multibase.Decode(t)),
        ("cid", t => Cid.Parse(t)),
        ("peer id", t => PeerId.Parse(t)),
        ("multiaddr", t => Multiaddr.Parse(t)),
    ];

    public static TheoryData<string> ValidBinaries => new()
    {
        "015512202cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824",
        "080112201ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e",
        "0803125b3059301306072a8648ce3d020106082a8648ce3d03010703420004de3d300fa36ae0e8f5d530899d83abab44abf3161f162a4bc901d8e6ecda020e8b6d5f8da30525e71d6851510c098e5c47c646a597fb4dcec034e9f77c409e62",
        "08031279307702010104203E5B1FE9712E6C314942A750BD67485DE3C1EFE85B1BFB520AE8F9AE3DFA4A4CA00A06082A8648CE3D030107A14403420004DE3D300FA36AE0E8F5D530899D83ABAB44ABF3161F162A4BC901D8E6ECDA020E8B6D5F8DA30525E71D6851510C098E5C47C646A597FB4DCEC034E9F77C409E62",
        "0802122053DADF1D5A164D6B4ACDB15E24AA4C5B1D3461BDBD42ABEDB0A4404D56CED8FB",
        "0402030405060fa1a503260024080112201ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e",
        SpecRsa.PublicKey,
    };

    [Theory]
    [MemberData(nameof(ValidBinaries))]
    public void BinaryParsers_EveryTruncationAndBitFlip_OnlyFormatException(string hex)
    {
        var bytes = Convert.FromHexString(hex);
        foreach (var (name, parse) in BinaryParsers)
        {
            for (var length = 0; length <= bytes.Length; length++)
            {
                Check(name, () => parse(bytes[..length]));
            }

            // Bit flips cost a key import each; a stride keeps the RSA vector quick while still touching every region.
            var stride = Math.Max(1, bytes.Length / 64);
            for (var i = 0; i < bytes.Length; i += stride)
            {
                var copy = (byte[])bytes.Clone();
                copy[i] ^= (byte)(1 << (i % 8));
                Check(name, () => parse(copy));
            }
        }
    }

    [Fact]
    public void BinaryParsers_RandomBytes_OnlyFormatException()
    {
        var random = new Random(10);
        for (var round = 0; round < 3000; round++)
        {
            var bytes = new byte[random.Next(0, 80)];
            random.NextBytes(bytes);
            // Bias toward plausible headers so the parsers get past their first byte.
            if (bytes.Length > 2 && round % 3 == 0)
            {
                bytes[0] = (byte)random.Next(0, 5);
            }

            foreach (var (name, parse) in BinaryParsers)
            {
                Check(name, () => parse(bytes));
            }
        }
    }

    public static TheoryData<string> ValidTexts => new()
    {
        "12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3pq",
        "bafzbeie5745rpv2m6tjyuugywy4d5ewrqgqqhfnf445he3omzpjbx5xqxe",
        "k51qzi5uqu5dgy8qsq67hbz73jqkw87l3fgf4a91qb0d9b5173tir7n4vxk1oe",
        "bafkreibm6jg3ux5qumhcn2b3flc3tyu6dmlb4xa7u5bf44yegnrjhc4yeq",
        "QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N",
        "/ip6/fe80::1/ip6zone/eth0/tcp/80/p2p/12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3pq",
        "/ip4/0.0.0.0/udp/4001/quic-v1/webtransport/certhash/uEiDDq4_xNyDorZBH3TlGazyJdOWSwvo4PUo5YHFMrvDE8g",
        "/onion3/vww6ybal4bd7szmgncyruucpgfkqahzddi37ktceo3ah7ngmcopnpyyd:1234/unix/%2Ftmp",
    };

    [Theory]
    [MemberData(nameof(ValidTexts))]
    public void TextParsers_EveryTruncationAndCharacterChange_OnlyFormatException(string text)
    {
        foreach (var (name, parse) in TextParsers)
        {
            for (var length = 0; length <= text.Length; length++)
            {
                Check(name, () => parse(text[..length]));
            }

            foreach (var replacement in "/%:0zZ\u00e9\ud800")
            {
                for (var i = 0; i < text.Length; i++)
                {
                    var changed = string.Concat(text.AsSpan(0, i), [replacement], text.AsSpan(i + 1));
                    Check(name, () => parse(changed));
                }
            }
        }
    }

    [Fact]
    public void TextParsers_RandomText_OnlyFormatException()
    {
        var random = new Random(11);
        const string alphabet = "/0123456789abcdefxyzQmk:.%-_~ipntcudsw\u00e9";
        for (var round = 0; round < 3000; round++)
        {
            var chars = new char[random.Next(0, 60)];
            for (var i = 0; i < chars.Length; i++)
            {
                chars[i] = alphabet[random.Next(alphabet.Length)];
            }

            var text = new string(chars);
            foreach (var (name, parse) in TextParsers)
            {
                Check(name, () => parse(text));
            }
        }
    }

    private static void Check(string name, Action parse)
    {
        try
        {
            parse();
        }
        catch (LibP2pFormatException)
        {
        }
        catch (Exception e)
        {
            Assert.Fail($"The {name} parser threw {e.GetType().Name}: {e.Message}");
        }
    }
}
