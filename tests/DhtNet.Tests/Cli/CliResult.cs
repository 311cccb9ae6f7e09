using System.Text.Json;

namespace DhtNet.Tests.Cli;

/// <summary>What one run of `dht` did: its exit code and everything it printed.</summary>
internal sealed record CliResult(int ExitCode, string StandardOutput, string StandardError)
{
    /// <summary>Standard output as JSON objects, one per line; fails if any line is not one.</summary>
    public IReadOnlyList<JsonElement> JsonLines()
    {
        var lines = new List<JsonElement>();
        foreach (string line in StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            using var document = JsonDocument.Parse(line);
            Assert.Equal(JsonValueKind.Object, document.RootElement.ValueKind);
            lines.Add(document.RootElement.Clone());
        }

        return lines;
    }

    /// <summary>The JSON lines of one "type".</summary>
    public IReadOnlyList<JsonElement> Json(string type) => [.. JsonLines().Where(l => l.GetProperty("type").GetString() == type)];

    /// <summary>Asserts a clean success (exit 0) and no stack trace; returns this for chaining.</summary>
    public CliResult AssertSuccess()
    {
        Assert.True(ExitCode == 0, $"exit code {ExitCode}\nstdout:\n{StandardOutput}\nstderr:\n{StandardError}");
        AssertNoStackTrace();
        return this;
    }

    public void AssertNoStackTrace()
    {
        Assert.DoesNotContain("   at ", StandardError);
        Assert.DoesNotContain("   at ", StandardOutput);
        Assert.DoesNotContain("Exception", StandardError);
    }

    public override string ToString() => $"exit {ExitCode}\nstdout:\n{StandardOutput}\nstderr:\n{StandardError}";
}
