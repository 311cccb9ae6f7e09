using System.Diagnostics.Metrics;

namespace DhtNet.Tests.Diagnostics;

public sealed class ScopedMeterFactoryTests
{
    [Fact]
    public void Create_SameNameVersionAndTags_ReturnsTheSameMeterScopedToTheFactory()
    {
        using var factory = new ScopedMeterFactory();

        var first = factory.Create(new MeterOptions("DhtNet.Test") { Version = "1", Tags = [new("node", "a"), new("family", "v4")] });
        var again = factory.Create(new MeterOptions("DhtNet.Test") { Version = "1", Tags = [new("family", "v4"), new("node", "a")] });
        var otherTags = factory.Create(new MeterOptions("DhtNet.Test") { Version = "1", Tags = [new("node", "b")] });
        var otherVersion = factory.Create(new MeterOptions("DhtNet.Test") { Version = "2" });

        Assert.Same(first, again);
        Assert.NotSame(first, otherTags);
        Assert.NotSame(first, otherVersion);
        Assert.Same(factory, first.Scope);
    }

    [Fact]
    public void Listener_ByScope_SeesOneFactorysMeasurementsOnly()
    {
        using var mine = new ScopedMeterFactory();
        using var theirs = new ScopedMeterFactory();
        var seen = new List<long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Scope == mine)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => seen.Add(value));
        listener.Start();

        mine.Create(new MeterOptions("DhtNet.Test")).CreateCounter<long>("c").Add(1);
        theirs.Create(new MeterOptions("DhtNet.Test")).CreateCounter<long>("c").Add(100);

        Assert.Equal([1L], seen);
    }

    [Fact]
    public void Dispose_ThenCreate_Throws()
    {
        var factory = new ScopedMeterFactory();
        var meter = factory.Create(new MeterOptions("DhtNet.Test"));
        var counter = meter.CreateCounter<long>("c");

        factory.Dispose();

        Assert.False(counter.Enabled);
        Assert.Throws<ObjectDisposedException>(() => factory.Create(new MeterOptions("DhtNet.Test")));
    }
}
