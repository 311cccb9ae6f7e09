using System.Globalization;
using System.Text.Json;

namespace DhtNet.Tests.Cli;

/// <summary>
/// `dht node --keep-put-mutable V --salt S --data-dir D` as a process, stopped and started again: the item is signed
/// with the identity key kept in D, keeps its seq while V stays the same and takes the next one when V changes, and
/// another node reads what it put. Over --max-kept the node refuses to start, saying why.
/// </summary>
public sealed class KeepPutCommandTests(LoopbackSwarm swarm) : IClassFixture<LoopbackSwarm>, IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("dht-cli-keep-").FullName;

    public void Dispose() => Directory.Delete(_dataDirectory, recursive: true);

    [Fact]
    public async Task Node_KeepPutMutableAcrossRestarts_SameValueKeepsItsSeqAndAChangedValueTakesTheNext()
    {
        var first = await RunAsync("first value");
        Assert.Equal(0, first.Seq);

        var same = await RunAsync("first value");
        Assert.Equal(first, same);

        var changed = await RunAsync("second value");
        Assert.Equal(first with { Seq = 1 }, changed);

        Assert.Equal(changed, await RunAsync("second value"));
    }

    [Fact]
    public async Task Node_KeepPutOverMaxKept_RefusesToStartAndSaysWhy()
    {
        var result = await CliProcess.RunAsync(
            Wait, "node", "--network", "mainline", "--api", "none", "--port", "0", "--bind", "127.0.0.1", "--bootstrap", "none",
            "--keep-put", "one", "--keep-put", "two", "--keep-put", "three", "--max-kept", "2");

        Assert.Equal(1, result.ExitCode); // bad input
        Assert.Contains("--keep-put: the node keeps at most 2 BEP 44 items alive (--max-kept)", result.StandardError);
        result.AssertNoStackTrace();
    }

    [Fact]
    public async Task Node_SaltWithoutKeepPutMutable_IsBadInput()
    {
        var result = await CliProcess.RunAsync(Wait, "node", "--api", "none", "--salt", "s");

        Assert.Equal(1, result.ExitCode); // bad input
        Assert.Contains("--salt is for the mutable item", result.StandardError);
    }

    // One run: starts the node, waits for its "kept" line, checks a swarm node reads that item, stops the node.
    private async Task<Kept> RunAsync(string value)
    {
        Kept kept;
        await using (var node = CliProcess.Start(
            "node", "--network", "mainline", "--api", "none", "--port", "0", "--bind", "127.0.0.1", "--bootstrap", swarm.Bootstrap,
            "--data-dir", _dataDirectory, "--flush-interval", "0.2", "--json", "--keep-put-mutable", value, "--salt", "site"))
        {
            using var line = JsonDocument.Parse(await node.ReadLineAsync(l => l.Contains("\"kept\"", StringComparison.Ordinal), Wait));
            var root = line.RootElement;
            kept = new Kept(NodeId.Parse(root.GetProperty("target").GetString()!), root.GetProperty("seq").GetInt64(), root.GetProperty("key").GetString()!);
            Assert.True(root.GetProperty("stored").GetInt32() > 0, line.RootElement.ToString());
            Assert.Equal(ItemRules.MutableTarget(Convert.FromHexString(kept.Key), "site"u8), kept.Target);

            var read = await swarm.Nodes[^1].GetAsync(kept.Target, "site"u8.ToArray());
            Assert.NotNull(read);
            Assert.Equal(kept.Seq, read.Sequence);
            Assert.Equal(new BencodeString(System.Text.Encoding.UTF8.GetBytes(value)).Encode(), read.Value.ToArray());

            await node.TerminateAsync();
            var result = await node.WaitForExitAsync(Wait);
            Assert.True(result.ExitCode == 0, result.ToString());
        }

        return kept;
    }

    private sealed record Kept(NodeId Target, long Seq, string Key)
    {
        public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Target} seq {Seq} key {Key}");
    }
}
