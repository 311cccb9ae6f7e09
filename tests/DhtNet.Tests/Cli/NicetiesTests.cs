using DhtNet.Cli.Hosting;
using DhtNet.Cli.Input;
using DhtNet.Cli.Output;

namespace DhtNet.Tests.Cli;

/// <summary>What makes the tool pleasant: typo suggestions, plurals, headers, environment defaults, raw values and hints that run as printed.</summary>
public sealed class NicetiesTests(LoopbackSwarm swarm) : IClassFixture<LoopbackSwarm>, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("dht-cli-niceties-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData("Did you mean 'query'?", "qeury", "0123456789abcdef0123456789abcdef01234567")]
    [InlineData("Did you mean 'swarm'?", "swarn")]
    [InlineData("Did you mean 'findprovs'?", "findprov")]
    [InlineData("Did you mean '--bootstrap'?", "query", "0123456789abcdef0123456789abcdef01234567", "--bootstrp", "x")]
    [InlineData("Did you mean '--salt'?", "get", "0123456789abcdef0123456789abcdef01234567", "--slat", "x")]
    public async Task Mistyped_CommandOrOption_SuggestsTheNearestAndExits1(string expected, params string[] args)
    {
        var result = await Cli.RunInProcessAsync(args);

        Assert.Equal(ExitCodes.BadInput, result.ExitCode);
        Assert.Contains(expected, result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("Required command was not provided", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Mistyped_NothingNear_SuggestsNothing()
    {
        var result = await Cli.RunInProcessAsync("frobnicate");

        Assert.Equal(ExitCodes.BadInput, result.ExitCode);
        Assert.DoesNotContain("Did you mean", result.StandardError, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, "node", null, "0 nodes")]
    [InlineData(1, "node", null, "1 node")]
    [InlineData(2, "node", null, "2 nodes")]
    [InlineData(1, "infohash", "infohashes", "1 infohash")]
    [InlineData(3, "infohash", "infohashes", "3 infohashes")]
    public void Count_SingularAndPlural(long count, string singular, string? plural, string expected) =>
        Assert.Equal(expected, Display.Count(count, singular, plural));

    [Fact]
    public void Table_ColumnWithoutHeader_Throws() =>
        Assert.Throws<ArgumentException>(() => Display.Table("Operation", ""));

    [Fact]
    public async Task Query_OneNodeSwarm_SaysOneNode()
    {
        await using var single = await DhtNet.Cli.Swarm.LocalNetwork.StartAsync(1);

        var result = await Cli.RunInProcessAsync("query", Cli.RandomHex(), "--bootstrap", single.BootstrapAddress);

        Assert.Contains("1 node closest", result.AssertSuccess().StandardOutput, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("plain-word_1.2", "plain-word_1.2")]
    [InlineData("my profile", "'my profile'")]
    [InlineData("it's", "'it'\\''s'")]
    [InlineData("", "''")]
    [InlineData("$HOME", "'$HOME'")]
    public void Quote_ForPosixShell(string word, string expected) => Assert.Equal(expected, Hints.Quote(word));

    [Fact]
    public void Bootstrap_PublicRoutersAreNotCarried_OthersAre()
    {
        Assert.Empty(Hints.Bootstrap(DhtOptions.PublicBootstrapNodes));
        Assert.Equal(["--bootstrap", "127.0.0.1:1,127.0.0.1:2"], Hints.Bootstrap(["127.0.0.1:1", "127.0.0.1:2"]));
        Assert.Equal(["--bootstrap", "none"], Hints.Bootstrap([]));
    }

    [Fact]
    public async Task Bootstrap_FromEnvironment_IsTheDefault()
    {
        var key = swarm.Nodes[3].Id;
        var environment = new Dictionary<string, string?> { [EnvironmentDefaults.Bootstrap] = swarm.Bootstrap };

        var result = await CliProcess.RunProgramAsync(Cli.Timeout, "dotnet", [CliProcess.DhtDll, "query", key.ToString(), "--json"], environment);

        Assert.Contains(result.AssertSuccess().Json("node"), n => n.GetProperty("id").GetString() == key.ToString());
    }

    [Fact]
    public async Task Help_NamesTheEnvironmentVariables()
    {
        var query = await Cli.RunInProcessAsync("query", "--help");
        var node = await Cli.RunInProcessAsync("node", "--help");
        var ping = await Cli.RunInProcessAsync("ping", "--help");

        Assert.Contains("[env: DHT_BOOTSTRAP]", query.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("[env: DHT_DATA_DIR]", node.StandardOutput, StringComparison.Ordinal);
        // ping talks to the node it is given; a default network would only slow it down.
        Assert.DoesNotContain("DHT_BOOTSTRAP", ping.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Node_DataDirFromEnvironment_SavesItsTableThere()
    {
        string dataDirectory = Path.Combine(_directory, "from-env");
        var environment = new Dictionary<string, string?> { [EnvironmentDefaults.DataDirectory] = dataDirectory };
        string[] args = [CliProcess.DhtDll, "node", "--network", "mainline", "--api", "none", "--port", "0", "--bind", "127.0.0.1", "--bootstrap", swarm.Bootstrap, "--json"];
        await using var node = CliProcess.StartProgram("dotnet", args, environment: environment);

        // Wait for a node in the table, so there is something to save.
        await node.ReadLineAsync(l => l.Contains("\"type\":\"node\"", StringComparison.Ordinal), Cli.Timeout);
        await node.TerminateAsync();
        (await node.WaitForExitAsync(Cli.Timeout)).AssertSuccess();

        Assert.True(File.Exists(Path.Combine(dataDirectory, SqliteStateStore.FileName)), "the state was saved in DHT_DATA_DIR");
        Assert.NotEmpty((await NodeStateFile.LoadAsync(dataDirectory)).Contacts);
    }

    [Fact]
    public async Task Get_RawAndOutputFile_WriteTheValueBytes()
    {
        byte[] bytes = [0, 1, 2, 0xff, (byte)'\n', 0x80, 0x7f];
        string input = Path.Combine(_directory, "value.bin");
        await File.WriteAllBytesAsync(input, bytes);
        var put = (await Cli.RunInProcessAsync("put", "--file", input, "--bootstrap", swarm.Bootstrap, "--json")).AssertSuccess();
        string target = Assert.Single(put.Json("put")).GetProperty("target").GetString()!;

        string output = Path.Combine(_directory, "out.bin");
        var toFile = await Cli.RunInProcessAsync("get", target, "-o", output, "--bootstrap", swarm.Bootstrap);
        var raw = await Cli.RunInProcessAsync("get", target, "--raw", "--bootstrap", swarm.Bootstrap);

        toFile.AssertSuccess();
        Assert.Equal(bytes, await File.ReadAllBytesAsync(output));
        // The in-process console is text; the value's bytes are all it holds (no table, no cost line).
        Assert.Equal(System.Text.Encoding.UTF8.GetString(bytes), raw.AssertSuccess().StandardOutput);
    }

    [Fact]
    public async Task Get_RawAsProcess_WritesTextValueExactly()
    {
        string text = $"raw value {Guid.NewGuid()}";
        var put = (await Cli.RunInProcessAsync("put", text, "--bootstrap", swarm.Bootstrap, "--json")).AssertSuccess();
        string target = Assert.Single(put.Json("put")).GetProperty("target").GetString()!;

        var raw = await CliProcess.RunAsync(Cli.Timeout, "get", target, "--raw", "--bootstrap", swarm.Bootstrap);

        Assert.Equal(text, raw.AssertSuccess().StandardOutput);
    }

    [Theory]
    [InlineData("--raw writes to standard output and -o to a file", "--raw", "-o", "x.bin")]
    [InlineData("--raw and --json both write standard output", "--raw", "--json")]
    public async Task Get_ConflictingOutputs_Exit1(string expected, params string[] options)
    {
        var result = await Cli.RunInProcessAsync(["get", Cli.RandomHex(), .. options, "--bootstrap", swarm.Bootstrap]);

        Assert.Equal(ExitCodes.BadInput, result.ExitCode);
        Assert.Contains(expected, result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_NothingFoundWithoutSalt_HintsAtSaltWithTheSameBootstrap()
    {
        string target = Cli.RandomHex();

        var result = await Cli.RunInProcessAsync("get", target, "--bootstrap", swarm.Bootstrap);

        Assert.Equal(ExitCodes.NotFound, result.ExitCode);
        Assert.Contains($"get {target} --salt '<salt>' --bootstrap {swarm.Bootstrap}", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_NothingFoundWithSalt_SaysTheSaltIsPartOfTheTarget()
    {
        var result = await Cli.RunInProcessAsync("get", Cli.RandomHex(), "--salt", "my profile", "--bootstrap", swarm.Bootstrap);

        Assert.Equal(ExitCodes.NotFound, result.ExitCode);
        Assert.Contains("check it is the one it was stored with (--salt 'my profile')", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Put_MutableWithSalt_HintCarriesSaltAndBootstrap_AndRunsAsPrinted()
    {
        string key = Path.Combine(_directory, "key.json");
        (await Cli.RunInProcessAsync("keygen", "--out", key)).AssertSuccess();

        var put = (await Cli.RunInProcessAsync("put", "salted", "--key", key, "--salt", "my profile", "--bootstrap", swarm.Bootstrap)).AssertSuccess();

        var lines = put.StandardOutput.Split('\n');
        string hint = lines[Array.IndexOf(lines, "Read it back with:") + 1].Trim();
        Assert.Contains($"--salt 'my profile' --bootstrap {swarm.Bootstrap}", hint, StringComparison.Ordinal);
        // In the test process the tool is dht.dll beside the tests: the hint runs it with dotnet.
        var again = await CliProcess.RunProgramAsync(Cli.Timeout, "bash", ["-c", hint]);
        Assert.Contains("salted", again.AssertSuccess().StandardOutput, StringComparison.Ordinal);
    }
}
