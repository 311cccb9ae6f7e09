namespace DhtNet.Tests.Persistence;

public sealed class InMemoryStateStoreTests : StateStoreContractTests
{
    private protected override IDhtStateStore Create(DhtStateStoreOptions options, TimeProvider time) =>
        new InMemoryStateStore(options, timeProvider: time);

    private protected override Task RestartAsync() => Store.FlushAsync();
}
