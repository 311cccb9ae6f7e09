using System.Text;

namespace DhtNet.Tests.Security;

public sealed class Ed25519KeyPairFileTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("dhtnet-keys-");

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public void SaveThenLoad_GeneratedPair_RoundTrips()
    {
        var keyPair = Ed25519KeyPair.Generate();
        string path = PathOf("node.key");

        keyPair.Save(path);
        var loaded = Ed25519KeyPair.Load(path);

        Assert.Equal(keyPair.PublicKey.ToArray(), loaded.PublicKey.ToArray());
        Assert.Equal(keyPair.ExportSeed(), loaded.ExportSeed());
        byte[] message = [9, 8, 7];
        Assert.True(Ed25519KeyPair.Verify(keyPair.PublicKey.Span, message, loaded.Sign(message)));
    }

    [Fact]
    public void Save_KnownSeed_WritesSeedAndPublicKeyAsHexJson()
    {
        var keyPair = Ed25519KeyPair.FromSeed(Convert.FromHexString("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"));
        string path = PathOf("rfc.key");

        keyPair.Save(path);

        string text = File.ReadAllText(path);
        Assert.Contains("\"seed\": \"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60\"", text);
        Assert.Contains("\"publicKey\": \"d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a\"", text);
    }

    [Fact]
    public void Save_OnUnix_FileModeIsOwnerReadWriteOnly()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        string path = PathOf("private.key");
        File.WriteAllText(path, "an older, world-readable file");
        File.SetUnixFileMode(path, (UnixFileMode)0b110_100_100);

        Ed25519KeyPair.Generate().Save(path);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }

    [Fact]
    public void Save_ExistingFile_ReplacedAndNoTemporaryLeft()
    {
        string path = PathOf("node.key");
        Ed25519KeyPair.Generate().Save(path);
        var second = Ed25519KeyPair.Generate();

        second.Save(path);

        Assert.Equal(second.PublicKey.ToArray(), Ed25519KeyPair.Load(path).PublicKey.ToArray());
        Assert.Equal(["node.key"], _directory.GetFiles().Select(file => file.Name));
    }

    [Theory]
    [InlineData("", "not valid JSON")]
    [InlineData("{\"seed\": \"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60\"", "not valid JSON")]
    [InlineData("[1, 2]", "JSON Array, not an object")]
    [InlineData("{\"publicKey\": \"d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a\"}", "\"seed\" property is missing")]
    [InlineData("{\"seed\": \"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60\"}", "\"publicKey\" property is missing")]
    [InlineData("{\"seed\": 12, \"publicKey\": \"d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a\"}", "\"seed\" is a JSON Number")]
    [InlineData("{\"seed\": \"9d61\", \"publicKey\": \"d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a\"}", "\"seed\" has 4 hex digits; it needs 64")]
    [InlineData("{\"seed\": \"zz61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60\", \"publicKey\": \"d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a\"}", "\"seed\" is not hexadecimal")]
    [InlineData("{\"seed\": \"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f61\", \"publicKey\": \"d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a\"}", "does not match its \"seed\"")]
    public void Load_CorruptedFile_ThrowsNamingTheProblem(string content, string expected)
    {
        string path = PathOf("bad.key");
        File.WriteAllText(path, content);

        var error = Assert.Throws<InvalidDataException>(() => Ed25519KeyPair.Load(path));

        Assert.Contains(expected, error.Message);
        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void Load_SavedFileWithOneSeedDigitChanged_ThrowsMismatch()
    {
        string path = PathOf("node.key");
        Ed25519KeyPair.FromSeed(new byte[32]).Save(path);
        string text = File.ReadAllText(path);
        int seedStart = text.IndexOf("\"seed\": \"", StringComparison.Ordinal) + "\"seed\": \"".Length;
        File.WriteAllText(path, text[..seedStart] + "1" + text[(seedStart + 1)..]);

        var error = Assert.Throws<InvalidDataException>(() => Ed25519KeyPair.Load(path));

        Assert.Contains("does not match", error.Message);
    }

    [Fact]
    public void Load_HugeFile_RejectedBeforeParsing()
    {
        string path = PathOf("huge.key");
        File.WriteAllBytes(path, Encoding.ASCII.GetBytes(new string(' ', 100_000)));

        var error = Assert.Throws<InvalidDataException>(() => Ed25519KeyPair.Load(path));

        Assert.Contains("100000 bytes", error.Message);
    }

    [Fact]
    public void Load_MissingFile_ThrowsFileNotFound()
    {
        Assert.Throws<FileNotFoundException>(() => Ed25519KeyPair.Load(PathOf("absent.key")));
    }

    private string PathOf(string name) => Path.Combine(_directory.FullName, name);
}
