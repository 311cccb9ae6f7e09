using System.Text;

namespace DhtNet.Tests.Ipfs;

public class IpnsRecordTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);

    public static TheoryData<string, bool, string?> Vectors => new()
    {
        // The IPNS spec's test vectors and their expected verification results.
        { "k51qzi5uqu5dm4tm0wt8srkg9h9suud4wuiwjimndrkydqm81cqtlb5ak6p7ku_v1", false, null },
        { "k51qzi5uqu5dlkw8pxuw9qmqayfdeh4kfebhmreauqdc6a7c3y7d5i9fi8mk9w_v1-v2", true, "/ipfs/bafkqaddwgevxmmraojswg33smq" },
        { "k51qzi5uqu5dlmit2tuwdvnx4sbnyqgmvbxftl0eo3f33wwtb9gr7yozae9kpw_v1-v2-broken-v1-value", false, null },
        { "k51qzi5uqu5diamp7qnnvs1p1gzmku3eijkeijs3418j23j077zrkok63xdm8c_v1-v2-broken-signature-v2", false, null },
        { "k51qzi5uqu5dilgf7gorsh9vcqqq4myo6jd4zmqkuy9pxyxi5fua3uf7axph4y_v1-v2-broken-signature-v1", true, "/ipfs/bafkqahtwgevxmmrao5uxi2bamjzg623fnyqhg2lhnzqxi5lsmuqhmmi" },
        { "k51qzi5uqu5dit2ku9mutlfgwyz8u730on38kd10m97m36bjt66my99hb6103f_v2", true, "/ipfs/bafkqadtwgiww63tmpeqhezldn5zgi" },

        // Records kubo published (gateway-conformance tooling fixtures).
        { "k51qzi5uqu5dh71qgwangrt6r0nd4094i88nsady6qgd1dhjcyfsaqmpp143ab", true, "/ipfs/bafkreidfdrlkeq4m4xnxuyx6iae76fdm4wgl5d4xzsb77ixhyqwumhz244" },
        { "k51qzi5uqu5dgh7y9l90nqs6tvnzcm9erbt8fhzg3fu79p5qt9zb2izvfu51ki", true, "/ipfs/bafyaaeykceeaeeqlnbswy3dpo5xxe3debimaw" },
        { "12D3KooWLQzUv2FHWGVPXTXSZpdHs7oHbXub2G5WC8Tx4NQhyd2d", true, null },
    };

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Validate_RealRecords_MatchTheExpectedResult(string vector, bool valid, string? value)
    {
        var name = PeerId.Parse(vector.Split('_')[0]);
        var bytes = IpnsVectors.Get(vector);

        var accepted = new IpnsRecordValidator().TryValidate(IpnsRecord.KeyFor(name), bytes, Now, out var error);

        Assert.True(accepted == valid, error);
        if (value is not null)
        {
            Assert.Equal(value, Encoding.ASCII.GetString(IpnsRecord.Parse(bytes).Value.Span));
        }
    }

    [Fact]
    public void Validate_RsaNameWithEmbeddedKey_ChecksTheKeyAgainstTheName()
    {
        var name = PeerId.Parse("QmVujd5Vb7moysJj8itnGufN7MEtPRCNHkKpNuA4onsRa3");
        var bytes = IpnsVectors.Get("QmVujd5Vb7moysJj8itnGufN7MEtPRCNHkKpNuA4onsRa3");
        var record = IpnsRecord.Parse(bytes);
        var validator = new IpnsRecordValidator();

        Assert.False(record.PublicKey.IsEmpty);
        // Whether kubo's record is still within its EOL decides validity; the key must match either way.
        var accepted = validator.TryValidate(IpnsRecord.KeyFor(name), bytes, record.Validity.AddSeconds(-1), out var error);
        Assert.True(accepted, error);
        Assert.False(validator.TryValidate(IpnsRecord.KeyFor(Ed25519PrivateKey.Generate().PeerId), bytes, Now, out _));
    }

    [Fact]
    public void SignatureV1_OfSpecVector_CoversValueValidityAndEol()
    {
        // Confirms the V1 signing input we create records with against a record boxo signed.
        const string Vector = "k51qzi5uqu5dlkw8pxuw9qmqayfdeh4kfebhmreauqdc6a7c3y7d5i9fi8mk9w_v1-v2";
        var key = PeerId.Parse(Vector.Split('_')[0]).TryExtractPublicKey()!;
        var (value, signatureV1, validity) = ReadV1Fields(IpnsVectors.Get(Vector));

        Assert.True(key.Verify([.. value, .. validity, .. "EOL"u8], signatureV1));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Create_Ed25519_ValidatesAndCarriesTheFields(bool v1Compatible)
    {
        var key = Ed25519PrivateKey.Generate();
        var validity = Now.AddHours(24).AddTicks(1234567);
        var bytes = IpnsRecord.Create(key, "/ipfs/bafkqaddwgevxmmraojswg33smq"u8, 7, validity, TimeSpan.FromMinutes(5), v1Compatible);

        var accepted = new IpnsRecordValidator().TryValidate(IpnsRecord.KeyFor(key.PeerId), bytes, Now, out var error);
        var record = IpnsRecord.Parse(bytes);

        Assert.True(accepted, error);
        Assert.Equal(7UL, record.Sequence);
        Assert.Equal(validity, record.Validity);
        Assert.Equal(300_000_000_000UL, record.TtlNanoseconds);
        Assert.True(record.PublicKey.IsEmpty); // Ed25519 names inline the key
        Assert.Equal(v1Compatible, ReadV1Fields(bytes).Value.Length > 0);
        if (v1Compatible)
        {
            var (value, signatureV1, validityText) = ReadV1Fields(bytes);
            Assert.True(key.PublicKey.Verify([.. value, .. validityText, .. "EOL"u8], signatureV1));
        }
    }

    [Fact]
    public void Create_Data_IsDagCborWithKeysSortedByLengthThenBytes()
    {
        var key = Ed25519PrivateKey.Generate();
        var record = IpnsRecord.Parse(IpnsRecord.Create(key, "/ipfs/x"u8, 1, Now, TimeSpan.Zero));
        var data = Encoding.Latin1.GetString(record.Data.Span);

        var order = new[] { "TTL", "Value", "Sequence", "Validity", "ValidityType" }.Select(k => data.IndexOf(k, StringComparison.Ordinal)).ToArray();

        Assert.Equal(order.Order(), order);
        Assert.Equal(0xA5, record.Data.Span[0]); // a map of five
    }

    [Fact]
    public void Validate_ExpiredRecord_IsRefused()
    {
        var key = Ed25519PrivateKey.Generate();
        var bytes = IpnsRecord.Create(key, "/ipfs/x"u8, 1, Now.AddSeconds(-1), TimeSpan.Zero);

        Assert.False(new IpnsRecordValidator().TryValidate(IpnsRecord.KeyFor(key.PeerId), bytes, Now, out var error));
        Assert.Contains("expired", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_RecordOfAnotherName_IsRefused()
    {
        var bytes = IpnsRecord.Create(Ed25519PrivateKey.Generate(), "/ipfs/x"u8, 1, Now.AddDays(1), TimeSpan.Zero);

        Assert.False(new IpnsRecordValidator().TryValidate(IpnsRecord.KeyFor(Ed25519PrivateKey.Generate().PeerId), bytes, Now, out _));
    }

    [Fact]
    public void Validate_EveryFlippedByte_IsRefusedOrStillTheSameSignedRecord()
    {
        var key = Ed25519PrivateKey.Generate();
        var name = IpnsRecord.KeyFor(key.PeerId);
        var bytes = IpnsRecord.Create(key, "/ipfs/bafkqaddwgevxmmraojswg33smq"u8, 3, Now.AddDays(1), TimeSpan.FromMinutes(1), v1Compatible: false);
        var validator = new IpnsRecordValidator();

        for (var i = 0; i < bytes.Length; i++)
        {
            var tampered = (byte[])bytes.Clone();
            tampered[i] ^= 0x01;
            Assert.False(validator.TryValidate(name, tampered, Now, out _), $"byte {i}");
        }
    }

    [Fact]
    public void Parse_TruncatedAtEveryOffset_ThrowsOnlyTheFormatException()
    {
        var bytes = IpnsVectors.Get("k51qzi5uqu5dlkw8pxuw9qmqayfdeh4kfebhmreauqdc6a7c3y7d5i9fi8mk9w_v1-v2");
        var validator = new IpnsRecordValidator();
        var name = IpnsRecord.KeyFor(PeerId.Parse("k51qzi5uqu5dlkw8pxuw9qmqayfdeh4kfebhmreauqdc6a7c3y7d5i9fi8mk9w"));

        for (var length = 0; length < bytes.Length; length++)
        {
            var prefix = bytes.AsSpan(0, length).ToArray();
            try
            {
                IpnsRecord.Parse(prefix);
            }
            catch (LibP2pFormatException)
            {
            }

            Assert.False(validator.TryValidate(name, prefix, Now, out _), $"length {length}");
        }
    }

    [Fact]
    public void Validate_OverTheSizeLimit_IsRefused()
    {
        var key = Ed25519PrivateKey.Generate();

        Assert.Throws<ArgumentException>(() => IpnsRecord.Create(key, new byte[IpnsRecord.MaxSize], 1, Now.AddDays(1), TimeSpan.Zero));
        Assert.False(new IpnsRecordValidator().TryValidate(IpnsRecord.KeyFor(key.PeerId), new byte[IpnsRecord.MaxSize + 1], Now, out _));
    }

    [Fact]
    public void Select_HigherSequenceWins_ThenLaterValidity()
    {
        var key = Ed25519PrivateKey.Generate();
        var name = IpnsRecord.KeyFor(key.PeerId);
        var seq1 = IpnsRecord.Create(key, "/ipfs/a"u8, 1, Now.AddDays(2), TimeSpan.Zero);
        var seq2 = IpnsRecord.Create(key, "/ipfs/b"u8, 2, Now.AddDays(1), TimeSpan.Zero);
        var seq2Later = IpnsRecord.Create(key, "/ipfs/c"u8, 2, Now.AddDays(3), TimeSpan.Zero);
        var validator = new IpnsRecordValidator();

        Assert.Equal(1, validator.Select(name, [seq1, seq2]));
        Assert.Equal(0, validator.Select(name, [seq2, seq1]));
        Assert.Equal(2, validator.Select(name, [seq1, seq2, seq2Later]));
        Assert.Equal(0, validator.Select(name, [seq2Later, seq2]));
    }

    private static (byte[] Value, byte[] SignatureV1, byte[] Validity) ReadV1Fields(byte[] bytes)
    {
        var record = IpnsRecord.Parse(bytes);
        return (record.V1Value.ToArray(), record.SignatureV1.ToArray(), record.V1Validity.ToArray());
    }
}
