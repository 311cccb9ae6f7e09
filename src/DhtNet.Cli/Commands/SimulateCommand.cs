using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using DhtNet.Cli.Hosting;
using DhtNet.Cli.Input;
using DhtNet.Cli.Output;
using DhtNet.Simulation;

namespace DhtNet.Cli.Commands;

/// <summary>
/// `dht simulate`: builds a simulated DHT of many nodes on a virtual clock (warm tables, see
/// <see cref="WarmTables"/>), takes a share of them off the network unannounced, and measures
/// lookups from a fresh node: latency percentiles, queries, datagrams and how often the true K
/// closest live nodes were found.
/// </summary>
internal static class SimulateCommand
{
    public static Command Create(CliConsole console)
    {
        var nodes = new Option<int>("--nodes") { Description = "Nodes in the simulated network", DefaultValueFactory = _ => 1_000 };
        var dead = new Option<double>("--dead") { Description = "Share of nodes (0 to 1) gone from the network without the tables knowing", DefaultValueFactory = _ => 0 };
        var loss = new Option<double>("--loss") { Description = "Share of datagrams lost (0 to 1)", DefaultValueFactory = _ => 0 };
        var lookups = new Option<int>("--lookups") { Description = "Lookups to measure", DefaultValueFactory = _ => 200 };
        var network = new Option<string>("--network") { Description = "The DHT to simulate: mainline (find_node lookups from a fresh node), or ipfs (find-providers searches and closest-peers lookups between servers)", DefaultValueFactory = _ => "mainline" };
        var latency = new Option<double>("--latency") { Description = "Fixed one-way delay in milliseconds", DefaultValueFactory = _ => 30 };
        var jitter = new Option<double>("--jitter") { Description = "Extra one-way delay drawn uniformly from 0 to this many milliseconds", DefaultValueFactory = _ => 40 };
        var seed = new Option<int>("--seed") { Description = "Seed of ids, choices, delays and loss; the same seed repeats the run", DefaultValueFactory = _ => 1 };
        var churn = new Option<double>("--churn") { Description = "Share of the nodes (0 to 1) leaving per minute of virtual time, and as many joining, before the lookups", DefaultValueFactory = _ => 0 };
        var churnMinutes = new Option<double>("--churn-minutes") { Description = "Virtual minutes of churn", DefaultValueFactory = _ => 10 };
        var noRefresh = new Option<bool>("--no-refresh") { Description = "Churn all at once, with no time for tables to refresh or evict" };
        var liars = new Option<double>("--liars") { Description = "Share of the nodes (0 to 1) that lie", DefaultValueFactory = _ => 0 };
        var lie = new Option<string>("--lie") { Description = "How liars lie: far (answer with random far nodes) or drop (answer no query)", DefaultValueFactory = _ => "far" };
        var linkLatency = new Option<double>("--link-latency") { Description = "Median extra one-way delay per link in milliseconds, log-normal over links (0: none)", DefaultValueFactory = _ => 0 };
        var linkSigma = new Option<double>("--link-sigma") { Description = "Spread of the per-link delay (standard deviation of its logarithm)", DefaultValueFactory = _ => 0.5 };
        var alpha = new Option<int>("--alpha") { Description = "Lookup requests in flight at once (default: the node's)", DefaultValueFactory = _ => new DhtOptions().Alpha };
        var fixedTimeouts = new Option<bool>("--fixed-timeouts") { Description = "Lookups wait out every request's own timeout (AdaptiveTimeouts off), as before issue 14" };
        var outDir = new Option<string?>("--out") { Description = "Directory for the raw lookups as CSV (lookups.csv; IPFS: searches.csv) and plots: latency-cdf.svg, queries.svg (IPFS also first-provider-cdf.svg)" };
        var json = SharedOptions.Json();
        var command = new Command("simulate", "Measure lookups on a simulated network of many nodes (virtual time)")
        {
            nodes, dead, loss, lookups, network, latency, jitter, seed, churn, churnMinutes, noRefresh, liars, lie, linkLatency, linkSigma, alpha,
            fixedTimeouts, outDir, json,
        };
        command.SetAction((parse, cancellationToken) => RunAsync(
            new CliOutput(console, parse.GetValue(json)),
            new Settings(
                Inputs.AtLeast("--nodes", parse.GetValue(nodes), 10),
                Fraction("--dead", parse.GetValue(dead)),
                Fraction("--loss", parse.GetValue(loss)),
                Inputs.AtLeast("--lookups", parse.GetValue(lookups), 1),
                Network(parse.GetValue(network)),
                Milliseconds("--latency", parse.GetValue(latency)),
                Milliseconds("--jitter", parse.GetValue(jitter)),
                parse.GetValue(seed),
                parse.GetValue(outDir))
            {
                Churn = Fraction("--churn", parse.GetValue(churn)),
                ChurnDuration = Minutes("--churn-minutes", parse.GetValue(churnMinutes)),
                Refresh = !parse.GetValue(noRefresh),
                Liars = Fraction("--liars", parse.GetValue(liars)),
                Lie = LieOf(parse.GetValue(lie)),
                LinkLatency = Milliseconds("--link-latency", parse.GetValue(linkLatency)),
                LinkSigma = parse.GetValue(linkSigma) is >= 0 and <= 5 and var sigma ? sigma : throw CliException.BadInput("--link-sigma must be 0..5"),
                Alpha = Inputs.AtLeast("--alpha", parse.GetValue(alpha), 1),
                FixedTimeouts = parse.GetValue(fixedTimeouts),
            },
            cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(CliOutput output, Settings settings, CancellationToken cancellationToken)
    {
        if (settings.Network == "ipfs")
        {
            return await RunIpfsAsync(output, settings, cancellationToken);
        }

        long memoryBefore = GC.GetTotalMemory(forceFullCollection: true);
        long start = Stopwatch.GetTimestamp();
        var simulation = new DhtSimulation(new DhtSimulationOptions
        {
            Seed = settings.Seed,
            Latency = settings.Latency,
            Jitter = settings.Jitter,
            LossRate = settings.Loss,
            LinkLatency = settings.LinkLatency > TimeSpan.Zero ? LinkLatency.LogNormal(settings.LinkLatency, settings.LinkSigma) : null,
            NodeTemplate = new DhtOptions { RequestTimeout = TimeSpan.FromSeconds(2), Alpha = settings.Alpha, AdaptiveTimeouts = !settings.FixedTimeouts },
        });
        try
        {
            // The virtual clock runs everything inline on one thread: off the console's.
            await output.ProgressAsync($"Building {settings.Nodes} nodes", settings.Nodes,
                progress => Task.Run(() =>
                {
                    simulation.AddNodesWarm(settings.Nodes, progress);
                    return true;
                }, cancellationToken));
            var built = Stopwatch.GetElapsedTime(start);
            long memoryPerNode = (GC.GetTotalMemory(forceFullCollection: true) - memoryBefore) / settings.Nodes;

            // The probe joins as a new node would, then a share of the others goes away unannounced.
            var probe = await Task.Run(() => simulation.AddNode(), cancellationToken);
            simulation.SetOffline(settings.Dead, except: probe);
            simulation.SetLiars(settings.Liars, settings.Lie, except: probe);
            var (left, joined) = (0, 0);
            if (settings.Churn > 0)
            {
                (left, joined) = await output.ProgressAsync($"Churning for {settings.ChurnDuration.TotalMinutes:F0} virtual minutes", (int)settings.ChurnDuration.TotalSeconds,
                    progress => Task.Run(() => simulation.Churn(
                        new ChurnOptions { Duration = settings.ChurnDuration, LeavesPerMinute = settings.Churn, JoinsPerMinute = settings.Churn, Refresh = settings.Refresh },
                        probe,
                        progress), cancellationToken));
            }

            var measured = await output.ProgressAsync($"Running {settings.Lookups} lookups", settings.Lookups,
                progress => Task.Run(() => LookupSurvey.Run(simulation, probe, settings.Lookups, progress), cancellationToken));
            var summary = SurveySummary.Of(measured);
            var total = Stopwatch.GetElapsedTime(start);

            if (settings.OutDir is { } dir)
            {
                Write(dir, measured, settings);
            }

            output.Json("simulation", w =>
            {
                w.WriteString("network", "mainline");
                w.WriteNumber("nodes", settings.Nodes);
                w.WriteNumber("dead", settings.Dead);
                w.WriteNumber("loss", settings.Loss);
                WriteModels(w, settings, left, joined);
                w.WriteNumber("alpha", settings.Alpha);
                w.WriteBoolean("adaptiveTimeouts", !settings.FixedTimeouts);
                w.WriteNumber("lookups", summary.Lookups);
                w.WriteNumber("p50", Math.Round(summary.P50Ms, 1));
                w.WriteNumber("p90", Math.Round(summary.P90Ms, 1));
                w.WriteNumber("p99", Math.Round(summary.P99Ms, 1));
                w.WriteNumber("exactK", Math.Round(summary.ExactK, 4));
                w.WriteNumber("queriesP50", summary.QueriesP50);
                w.WriteNumber("queriesP90", summary.QueriesP90);
                w.WriteNumber("failedP50", summary.FailedP50);
                w.WriteNumber("datagramsMean", Math.Round(summary.DatagramsMean, 2));
                w.WriteNumber("buildMs", Display.Milliseconds(built));
                w.WriteNumber("totalMs", Display.Milliseconds(total));
                w.WriteNumber("bytesPerNode", memoryPerNode);
            });
            output.Line($"[bold]{settings.Nodes} nodes[/] built in {Display.Duration(built)} ({memoryPerNode / 1024.0:F1} KiB per node), "
                + $"{settings.Dead:P0} dead, {settings.Loss:P0} loss, {settings.Liars:P0} liars, {left} left and {joined} joined, one-way delay {settings.Latency.TotalMilliseconds:F0} + U(0, {settings.Jitter.TotalMilliseconds:F0}) ms");
            output.Write(Display.Table("Measure", "Value")
                .Row("lookups", summary.Lookups.ToString(CultureInfo.InvariantCulture))
                .Row("latency p50 / p90 / p99", string.Create(CultureInfo.InvariantCulture, $"{summary.P50Ms:F0} / {summary.P90Ms:F0} / {summary.P99Ms:F0} ms"))
                .Row("queries per lookup p50 / p90", string.Create(CultureInfo.InvariantCulture, $"{summary.QueriesP50:F0} / {summary.QueriesP90:F0}"))
                .Row("unanswered per lookup p50", string.Create(CultureInfo.InvariantCulture, $"{summary.FailedP50:F0}"))
                .Row("datagrams per lookup (mean)", string.Create(CultureInfo.InvariantCulture, $"{summary.DatagramsMean:F1}"))
                .Row("exact K closest", string.Create(CultureInfo.InvariantCulture, $"{summary.ExactK:P1}"))
                .Row("memory per node", string.Create(CultureInfo.InvariantCulture, $"{memoryPerNode / 1024.0:F1} KiB"))
                .Row("wall time", Display.Duration(total)));
            return ExitCodes.Success;
        }
        finally
        {
            await simulation.DisposeAsync();
        }
    }

    // The IPFS DHT: servers join one by one (the node has no warm import), a share goes offline or lies,
    // nodes churn, then each measured search provides a fresh CID from one server and finds it from another.
    private static async Task<int> RunIpfsAsync(CliOutput output, Settings settings, CancellationToken cancellationToken)
    {
        long start = Stopwatch.GetTimestamp();
        var simulation = new IpfsSimulation(new DhtSimulationOptions
        {
            Seed = settings.Seed,
            Latency = settings.Latency,
            Jitter = settings.Jitter,
            LossRate = settings.Loss,
            LinkLatency = settings.LinkLatency > TimeSpan.Zero ? LinkLatency.LogNormal(settings.LinkLatency, settings.LinkSigma) : null,
        })
        {
            AdaptiveTimeouts = !settings.FixedTimeouts,
        };
        await output.ProgressAsync($"Building {settings.Nodes} IPFS DHT servers", settings.Nodes,
            progress => Task.Run(() =>
            {
                simulation.AddNodes(settings.Nodes, progress);
                return true;
            }, cancellationToken));
        var built = Stopwatch.GetElapsedTime(start);
        simulation.SetOffline(settings.Dead);
        simulation.SetLiars(settings.Liars, settings.Lie);
        var (left, joined) = (0, 0);
        if (settings.Churn > 0)
        {
            (left, joined) = await output.ProgressAsync($"Churning for {settings.ChurnDuration.TotalMinutes:F0} virtual minutes", (int)settings.ChurnDuration.TotalSeconds,
                progress => Task.Run(() => simulation.Churn(
                    new ChurnOptions { Duration = settings.ChurnDuration, LeavesPerMinute = settings.Churn, JoinsPerMinute = settings.Churn, Refresh = settings.Refresh },
                    progress: progress), cancellationToken));
        }

        var roundTrips = new List<double>();
        simulation.Answered = (_, roundTrip) => roundTrips.Add(roundTrip.TotalMilliseconds);
        var measured = await output.ProgressAsync($"Running {settings.Lookups} provider searches", settings.Lookups,
            progress => Task.Run(() => ProviderSurvey.Run(simulation, settings.Lookups, progress: progress), cancellationToken));
        var total = Stopwatch.GetElapsedTime(start);
        if (settings.OutDir is { } dir)
        {
            WriteIpfs(dir, measured, settings);
        }

        var first = measured.Where(m => m.FirstProvider is not null).Select(m => m.FirstProvider!.Value.TotalMilliseconds).Order().ToArray();
        var after = measured.Where(m => m.FirstProvider is not null && m.NeighbourhoodReached is not null)
            .Select(m => (m.FirstProvider!.Value - m.NeighbourhoodReached!.Value).TotalMilliseconds).Order().ToArray();
        var requests = measured.Select(m => (double)m.Requests).Order().ToArray();
        var lookup = measured.Select(m => m.Lookup.TotalMilliseconds).Order().ToArray();
        var lookupRequests = measured.Select(m => (double)m.LookupRequests).Order().ToArray();
        double rtt = SurveySummary.Percentile([.. roundTrips.Order()], 50);
        double found = measured.Count == 0 ? 0 : first.Length / (double)measured.Count;
        double exact = measured.Count == 0 ? 0 : measured.Count(m => m.ExactK) / (double)measured.Count;
        double afterRtts = rtt > 0 ? SurveySummary.Percentile(after, 50) / rtt : 0;

        output.Json("simulation", w =>
        {
            w.WriteString("network", "ipfs");
            w.WriteNumber("nodes", settings.Nodes);
            w.WriteNumber("dead", settings.Dead);
            w.WriteNumber("loss", settings.Loss);
            WriteModels(w, settings, left, joined);
            w.WriteBoolean("adaptiveTimeouts", !settings.FixedTimeouts);
            w.WriteNumber("lookups", measured.Count);
            w.WriteNumber("p50", Math.Round(SurveySummary.Percentile(first, 50), 1));
            w.WriteNumber("p90", Math.Round(SurveySummary.Percentile(first, 90), 1));
            w.WriteNumber("p99", Math.Round(SurveySummary.Percentile(first, 99), 1));
            w.WriteNumber("found", Math.Round(found, 4));
            w.WriteNumber("exactK", Math.Round(exact, 4));
            w.WriteNumber("afterNeighbourhoodP50", Math.Round(SurveySummary.Percentile(after, 50), 1));
            w.WriteNumber("afterNeighbourhoodRtts", Math.Round(afterRtts, 2));
            w.WriteNumber("rttP50", Math.Round(rtt, 1));
            w.WriteNumber("requestsP50", SurveySummary.Percentile(requests, 50));
            w.WriteNumber("lookupP50", Math.Round(SurveySummary.Percentile(lookup, 50), 1));
            w.WriteNumber("lookupP90", Math.Round(SurveySummary.Percentile(lookup, 90), 1));
            w.WriteNumber("lookupP99", Math.Round(SurveySummary.Percentile(lookup, 99), 1));
            w.WriteNumber("lookupRequestsP50", SurveySummary.Percentile(lookupRequests, 50));
            w.WriteNumber("lookupRequestsMean", Math.Round(lookupRequests.DefaultIfEmpty().Average(), 2));
            w.WriteNumber("buildMs", Display.Milliseconds(built));
            w.WriteNumber("totalMs", Display.Milliseconds(total));
        });
        output.Line($"[bold]{settings.Nodes} IPFS DHT servers[/] built in {Display.Duration(built)}, {settings.Dead:P0} dead, {settings.Loss:P0} loss, "
            + $"{settings.Liars:P0} liars, {left} left and {joined} joined");
        output.Write(Display.Table("Measure", "Value")
            .Row("searches", measured.Count.ToString(CultureInfo.InvariantCulture))
            .Row("first provider p50 / p90 / p99", string.Create(CultureInfo.InvariantCulture, $"{SurveySummary.Percentile(first, 50):F0} / {SurveySummary.Percentile(first, 90):F0} / {SurveySummary.Percentile(first, 99):F0} ms"))
            .Row("providers found", string.Create(CultureInfo.InvariantCulture, $"{found:P1}"))
            .Row("first provider after reaching the neighbourhood p50", string.Create(CultureInfo.InvariantCulture, $"{SurveySummary.Percentile(after, 50):F0} ms ({afterRtts:F2} RTT of {rtt:F0} ms)"))
            .Row("requests until the first provider p50", string.Create(CultureInfo.InvariantCulture, $"{SurveySummary.Percentile(requests, 50):F0}"))
            .Row("closest-peers lookup p50 / p90 / p99", string.Create(CultureInfo.InvariantCulture, $"{SurveySummary.Percentile(lookup, 50):F0} / {SurveySummary.Percentile(lookup, 90):F0} / {SurveySummary.Percentile(lookup, 99):F0} ms"))
            .Row("requests per closest-peers lookup p50", string.Create(CultureInfo.InvariantCulture, $"{SurveySummary.Percentile(lookupRequests, 50):F0}"))
            .Row("exact K closest (closest-peers lookup)", string.Create(CultureInfo.InvariantCulture, $"{exact:P1}"))
            .Row("wall time", Display.Duration(total)));
        return ExitCodes.Success;
    }

    private static void WriteIpfs(string dir, List<SurveyedSearch> measured, Settings settings)
    {
        Directory.CreateDirectory(dir);
        var csv = new StringBuilder("first_provider_ms,neighbourhood_ms,requests,lookup_ms,lookup_requests,exact_k\n");
        foreach (var m in measured)
        {
            csv.Append(CultureInfo.InvariantCulture,
                $"{m.FirstProvider?.TotalMilliseconds:F1},{m.NeighbourhoodReached?.TotalMilliseconds:F1},{m.Requests},{m.Lookup.TotalMilliseconds:F1},{m.LookupRequests},{(m.ExactK ? 1 : 0)}\n");
        }

        File.WriteAllText(Path.Combine(dir, "searches.csv"), csv.ToString());
        string title = Title(settings);
        File.WriteAllText(Path.Combine(dir, "first-provider-cdf.svg"), SvgPlot.Cdf($"Time to the first provider, {title}", "milliseconds (virtual)",
            measured.Where(m => m.FirstProvider is not null).Select(m => m.FirstProvider!.Value.TotalMilliseconds).ToArray()));
        File.WriteAllText(Path.Combine(dir, "latency-cdf.svg"), SvgPlot.Cdf($"Closest-peers lookup latency, {title}", "milliseconds (virtual)",
            measured.Select(m => m.Lookup.TotalMilliseconds).ToArray()));
        File.WriteAllText(Path.Combine(dir, "queries.svg"), SvgPlot.Histogram($"Requests per closest-peers lookup, {title}", "peers asked",
            measured.Select(m => m.LookupRequests).ToArray()));
    }

    // The network models a run applied, as both networks report them.
    private static void WriteModels(System.Text.Json.Utf8JsonWriter w, Settings settings, int left, int joined)
    {
        w.WriteNumber("liars", settings.Liars);
        w.WriteString("lie", settings.Liars > 0 ? settings.Lie.ToString() : "none");
        w.WriteNumber("churn", settings.Churn);
        w.WriteNumber("left", left);
        w.WriteNumber("joined", joined);
        w.WriteBoolean("refresh", settings.Refresh);
    }

    private static string Title(Settings settings) =>
        string.Create(CultureInfo.InvariantCulture, $"{settings.Nodes} {(settings.Network == "ipfs" ? "servers" : "nodes")}, {settings.Dead:P0} dead, {settings.Loss:P0} loss");

    private static void Write(string dir, List<SurveyedLookup> measured, Settings settings)
    {
        Directory.CreateDirectory(dir);
        var csv = new StringBuilder("target,elapsed_ms,queried,answered,failed,datagrams,exact_k\n");
        foreach (var l in measured)
        {
            csv.Append(CultureInfo.InvariantCulture, $"{l.Target},{l.Elapsed.TotalMilliseconds:F1},{l.Queried},{l.Answered},{l.Failed},{l.Datagrams},{(l.ExactK ? 1 : 0)}\n");
        }

        File.WriteAllText(Path.Combine(dir, "lookups.csv"), csv.ToString());
        string title = Title(settings);
        File.WriteAllText(Path.Combine(dir, "latency-cdf.svg"), SvgPlot.Cdf($"Lookup latency, {title}", "milliseconds (virtual)", measured.Select(l => l.Elapsed.TotalMilliseconds).ToArray()));
        File.WriteAllText(Path.Combine(dir, "queries.svg"), SvgPlot.Histogram($"Queries per lookup, {title}", "nodes queried", measured.Select(l => l.Queried).ToArray()));
    }

    private static double Fraction(string name, double value) =>
        value is >= 0 and <= 1 ? value : throw CliException.BadInput($"{name} must be between 0 and 1, got {value}");

    private static TimeSpan Milliseconds(string name, double value) =>
        value >= 0 && value <= 60_000 ? TimeSpan.FromMilliseconds(value) : throw CliException.BadInput($"{name} must be 0..60000 milliseconds, got {value}");

    private static TimeSpan Minutes(string name, double value) =>
        value is >= 0 and <= 24 * 60 ? TimeSpan.FromMinutes(value) : throw CliException.BadInput($"{name} must be 0..1440 minutes, got {value}");

    private static Liar LieOf(string? name) => name switch
    {
        "far" => Liar.RandomFarNodes,
        "drop" => Liar.DropQueries,
        _ => throw CliException.BadInput($"--lie must be far or drop, got {name}"),
    };

    private static string Network(string? name) => name switch
    {
        "mainline" or "ipfs" => name,
        _ => throw CliException.BadInput($"--network must be mainline or ipfs, got {name}"),
    };

    private sealed record Settings(int Nodes, double Dead, double Loss, int Lookups, string Network, TimeSpan Latency, TimeSpan Jitter, int Seed, string? OutDir)
    {
        public double Churn { get; init; }

        public TimeSpan ChurnDuration { get; init; }

        public bool Refresh { get; init; } = true;

        public double Liars { get; init; }

        public Liar Lie { get; init; }

        public TimeSpan LinkLatency { get; init; }

        public double LinkSigma { get; init; }

        public int Alpha { get; init; }

        public bool FixedTimeouts { get; init; }
    }
}
