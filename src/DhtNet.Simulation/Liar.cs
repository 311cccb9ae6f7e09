namespace DhtNet.Simulation;

/// <summary>How the lying nodes of <see cref="DhtSimulation.SetLiars"/> misbehave.</summary>
public enum Liar
{
    /// <summary>Never answers a query (sends its own queries as usual): to others it looks dead, but it keeps getting into tables.</summary>
    DropQueries,

    /// <summary>Answers, but with random nodes of the network in place of the nodes closest to the target (random ones are far from it).</summary>
    RandomFarNodes,
}
