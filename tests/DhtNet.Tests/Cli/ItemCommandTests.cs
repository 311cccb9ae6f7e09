using System.Text;

namespace DhtNet.Tests.Cli;

/// <summary>put, get, scrape, sample and keygen against a loopback swarm, in both output modes.</summary>
public sealed class ItemCommandTests(LoopbackSwarm swarm) : IClassFixture<LoopbackSwarm>, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("dht-cli-items-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData(CliHost.InProcess)]
    [InlineData(CliHost.Process)]
    public async Task PutThenGet_ImmutableText_Json_RoundTrips(CliHost host)
    {
        string text = $"hello {Guid.NewGuid()}";
        byte[] bencoded = new BencodeString(text).Encode();
        var target = ItemRules.ImmutableTarget(bencoded);

        var put = (await Cli.RunAsync(host, "put", text, "--bootstrap", swarm.Bootstrap, "--json")).AssertSuccess();
        var stored = Assert.Single(put.Json("put"));
        Assert.Equal(target.ToString(), stored.GetProperty("target").GetString());
        Assert.True(stored.GetProperty("stored").GetInt32() > 0);
        Assert.False(stored.TryGetProperty("seq", out _));
        Assert.Equal("done", put.JsonLines()[^1].GetProperty("type").GetString());

        var get = (await Cli.RunAsync(host, "get", target.ToString(), "--bootstrap", swarm.Bootstrap, "--json")).AssertSuccess();
        var value = Assert.Single(get.Json("value"));
        Assert.Equal(target.ToString(), value.GetProperty("target").GetString());
        Assert.Equal(bencoded, value.GetProperty("v").GetBytesFromBase64());
        Assert.Equal(text, value.GetProperty("text").GetString());
        Assert.False(value.TryGetProperty("seq", out _));
        Assert.False(value.TryGetProperty("k", out _));
        Assert.Equal("done", get.JsonLines()[^1].GetProperty("type").GetString());
    }

    [Theory]
    [InlineData(CliHost.InProcess)]
    [InlineData(CliHost.Process)]
    public async Task PutThenGet_ImmutableText_Text_ShowsTargetAndValue(CliHost host)
    {
        string text = $"plain {Guid.NewGuid()}";
        var target = ItemRules.ImmutableTarget(new BencodeString(text).Encode());

        var put = (await Cli.RunAsync(host, "put", text, "--bootstrap", swarm.Bootstrap)).AssertSuccess();
        Assert.Contains($"Stored immutable item {target} on", put.StandardOutput);

        var get = (await Cli.RunAsync(host, "get", target.ToString(), "--bootstrap", swarm.Bootstrap)).AssertSuccess();
        Assert.Contains(target.ToString(), get.StandardOutput);
        Assert.Contains(text, get.StandardOutput);
    }

    [Theory]
    [InlineData(CliHost.InProcess)]
    [InlineData(CliHost.Process)]
    public async Task PutThenGet_MutableWithSalt_Json_CarriesSeqKeyAndSignature(CliHost host)
    {
        string keyFile = Path.Combine(_directory, $"key-{host}.json");
        var keygen = (await Cli.RunAsync(host, "keygen", "--out", keyFile, "--json")).AssertSuccess();
        string publicKey = Assert.Single(keygen.Json("key")).GetProperty("publicKey").GetString()!;
        var target = ItemRules.MutableTarget(Convert.FromHexString(publicKey), "my salt"u8);

        var put = (await Cli.RunAsync(host, "put", "version three", "--key", keyFile, "--salt", "my salt", "--seq", "3", "--bootstrap", swarm.Bootstrap, "--json")).AssertSuccess();
        var stored = Assert.Single(put.Json("put"));
        Assert.Equal(target.ToString(), stored.GetProperty("target").GetString());
        Assert.Equal(3, stored.GetProperty("seq").GetInt64());
        Assert.True(stored.GetProperty("stored").GetInt32() > 0);

        var get = (await Cli.RunAsync(host, "get", target.ToString(), "--salt", "my salt", "--bootstrap", swarm.Bootstrap, "--json")).AssertSuccess();
        var value = Assert.Single(get.Json("value"));
        Assert.Equal("version three", value.GetProperty("text").GetString());
        Assert.Equal(3, value.GetProperty("seq").GetInt64());
        Assert.Equal(publicKey, value.GetProperty("k").GetString());
        byte[] signature = Convert.FromHexString(value.GetProperty("sig").GetString()!);
        Assert.True(ItemRules.VerifySignature(Convert.FromHexString(publicKey), "my salt"u8, 3, value.GetProperty("v").GetBytesFromBase64(), signature));
    }

    [Theory]
    [InlineData(CliHost.InProcess)]
    [InlineData(CliHost.Process)]
    public async Task PutThenGet_Mutable_Text_ShowsSequence(CliHost host)
    {
        string keyFile = Path.Combine(_directory, $"text-key-{host}.json");
        (await Cli.RunAsync(host, "keygen", "--out", keyFile)).AssertSuccess();
        var target = ItemRules.MutableTarget(Ed25519KeyPair.Load(keyFile).PublicKey.Span);

        var put = (await Cli.RunAsync(host, "put", "mutable text", "--key", keyFile, "--seq", "7", "--bootstrap", swarm.Bootstrap)).AssertSuccess();
        Assert.Contains($"Stored mutable item (seq 7) {target} on", put.StandardOutput);

        var get = (await Cli.RunAsync(host, "get", target.ToString(), "--bootstrap", swarm.Bootstrap)).AssertSuccess();
        Assert.Contains("mutable text", get.StandardOutput);
        Assert.Contains("seq", get.StandardOutput);
        Assert.Contains("7", get.StandardOutput);
    }

    [Fact]
    public async Task Put_FileAndBencoded_StoreBytesAsGiven()
    {
        string file = Path.Combine(_directory, "raw.bin");
        byte[] raw = [0, 1, 2, 255, 254];
        await File.WriteAllBytesAsync(file, raw);
        var fromFile = (await Cli.RunInProcessAsync("put", "--file", file, "--bootstrap", swarm.Bootstrap, "--json")).AssertSuccess();
        Assert.Equal(ItemRules.ImmutableTarget(new BencodeString(raw).Encode()).ToString(), fromFile.Json("put")[0].GetProperty("target").GetString());

        const string list = "l4:spami42ee";
        var bencoded = (await Cli.RunInProcessAsync("put", list, "--bencoded", "--bootstrap", swarm.Bootstrap, "--json")).AssertSuccess();
        var target = ItemRules.ImmutableTarget(Encoding.ASCII.GetBytes(list));
        Assert.Equal(target.ToString(), bencoded.Json("put")[0].GetProperty("target").GetString());

        // A value that is not a byte string has no "text".
        var get = (await Cli.RunInProcessAsync("get", target.ToString(), "--bootstrap", swarm.Bootstrap, "--json")).AssertSuccess();
        var value = Assert.Single(get.Json("value"));
        Assert.Equal(list, Encoding.ASCII.GetString(value.GetProperty("v").GetBytesFromBase64()));
        Assert.False(value.TryGetProperty("text", out _));
    }

    [Theory]
    [InlineData(CliHost.InProcess, false)]
    [InlineData(CliHost.InProcess, true)]
    [InlineData(CliHost.Process, false)]
    [InlineData(CliHost.Process, true)]
    public async Task Get_UnknownTarget_ExitsTwo(CliHost host, bool json)
    {
        string target = Cli.RandomHex();
        var result = await Cli.RunAsync(host, LookupCommandTests.Args(json, "get", target, "--bootstrap", swarm.Bootstrap));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"no item found for target {target}", result.StandardError);
        result.AssertNoStackTrace();
    }

    [Theory]
    [InlineData(CliHost.InProcess, false)]
    [InlineData(CliHost.InProcess, true)]
    [InlineData(CliHost.Process, false)]
    [InlineData(CliHost.Process, true)]
    public async Task Scrape_AnnouncedInfohash_CountsPeers(CliHost host, bool json)
    {
        var infoHash = NodeId.Random();
        Assert.True((await swarm.Nodes[2].ProvideAsync(infoHash, 6001)).Stored > 0);

        var result = (await Cli.RunAsync(host, LookupCommandTests.Args(json, "scrape", infoHash.ToString(), "--bootstrap", swarm.Bootstrap))).AssertSuccess();

        if (json)
        {
            var scrape = Assert.Single(result.Json("scrape"));
            Assert.Equal(infoHash.ToString(), scrape.GetProperty("infohash").GetString());
            Assert.True(scrape.GetProperty("peers").GetInt32() >= 1);
            Assert.Equal(0, scrape.GetProperty("seeds").GetInt32());
            Assert.Equal("done", result.JsonLines()[^1].GetProperty("type").GetString());
        }
        else
        {
            Assert.Contains(infoHash.ToString(), result.StandardOutput);
            Assert.Contains("Seeds", result.StandardOutput);
            Assert.Contains("Peers", result.StandardOutput);
        }
    }

    [Theory]
    [InlineData(CliHost.InProcess, false)]
    [InlineData(CliHost.InProcess, true)]
    [InlineData(CliHost.Process, false)]
    [InlineData(CliHost.Process, true)]
    public async Task Sample_NodeHoldingAnInfohash_ListsIt(CliHost host, bool json)
    {
        var infoHash = NodeId.Random();
        var provider = swarm.Nodes[6];
        Assert.True((await provider.ProvideAsync(infoHash, 6002)).Stored > 0);
        var holder = swarm.Nodes.Where(n => n != provider).MinBy(n => n.Id.Xor(infoHash))!;
        string address = LoopbackSwarm.EndPoint(holder).ToString();

        var result = (await Cli.RunAsync(host, LookupCommandTests.Args(json, "sample", address))).AssertSuccess();

        if (json)
        {
            var samples = Assert.Single(result.JsonLines());
            Assert.Equal("samples", samples.GetProperty("type").GetString());
            Assert.True(samples.GetProperty("num").GetInt32() >= 1);
            Assert.True(samples.GetProperty("interval").GetInt32() >= 0);
            Assert.Contains(infoHash.ToString(), samples.GetProperty("samples").EnumerateArray().Select(s => s.GetString()));
        }
        else
        {
            Assert.Contains(address, result.StandardOutput);
            Assert.Contains(infoHash.ToString(), result.StandardOutput);
        }
    }

    [Theory]
    [InlineData(CliHost.InProcess)]
    [InlineData(CliHost.Process)]
    public async Task Keygen_Text_WritesLoadableKeyAndPrintsPublicKey(CliHost host)
    {
        string keyFile = Path.Combine(_directory, $"keygen-{host}.json");
        var result = (await Cli.RunAsync(host, "keygen", "--out", keyFile)).AssertSuccess();

        var key = Ed25519KeyPair.Load(keyFile);
        Assert.Contains($"Public key: {key}", result.StandardOutput);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));
        }
    }

    [Fact]
    public async Task Keygen_ExistingFile_RefusesWithoutForce()
    {
        string keyFile = Path.Combine(_directory, "existing.json");
        (await Cli.RunInProcessAsync("keygen", "--out", keyFile)).AssertSuccess();
        string before = await File.ReadAllTextAsync(keyFile);

        var refused = await Cli.RunInProcessAsync("keygen", "--out", keyFile);
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("--out", refused.StandardError);
        Assert.Equal(before, await File.ReadAllTextAsync(keyFile));

        var forced = (await Cli.RunInProcessAsync("keygen", "--out", keyFile, "--force", "--json")).AssertSuccess();
        Assert.Equal(Ed25519KeyPair.Load(keyFile).ToString(), forced.Json("key")[0].GetProperty("publicKey").GetString());
    }
}
