namespace DhtNet.Cli.Swarm;

/// <summary>One operation `dht swarm` ran: whether it did what it should, what it found, and how long it took.</summary>
internal sealed record SwarmStep(string Operation, bool Ok, string Detail, TimeSpan Elapsed);
