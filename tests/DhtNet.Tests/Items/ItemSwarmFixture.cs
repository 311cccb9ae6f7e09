using DhtNet.Tests.Node;

namespace DhtNet.Tests.Items;

/// <summary>The 500-node in-memory network, built once and shared by the BEP 44 swarm tests (each uses its own keys).</summary>
public sealed class ItemSwarmFixture : IAsyncLifetime
{
    public const int Size = 500;

    internal SimulatedSwarm Swarm { get; } = SimulatedSwarm.Create(Size, seed: 44);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await Swarm.DisposeAsync();
}

/// <summary>One 500-node network for every test class that names this collection.</summary>
[CollectionDefinition(Name)]
public sealed class ItemSwarmCollection : ICollectionFixture<ItemSwarmFixture>
{
    public const string Name = "BEP 44 swarm";
}
