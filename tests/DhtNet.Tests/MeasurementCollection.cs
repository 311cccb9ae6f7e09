namespace DhtNet.Tests;

/// <summary>
/// Tests that measure process-wide allocations or the heap: the collection runs alone, so that no
/// other test's allocations show up in the measurement.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MeasurementCollection
{
    public const string Name = "Allocation and memory measurements";
}
