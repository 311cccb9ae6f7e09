namespace DhtNet.Tests.Storage;

public class RecencyListTests
{
    private sealed class Node(int value) : RecencyNode<Node>
    {
        public int Value { get; } = value;
    }

    private static List<int> OldestToNewest(RecencyList<Node> list)
    {
        var values = new List<int>();
        for (var node = list.Oldest; node is not null; node = node.Newer)
        {
            values.Add(node.Value);
        }

        return values;
    }

    [Fact]
    public void AddMoveRemove_KeepsLeastRecentFirst()
    {
        var list = new RecencyList<Node>();
        var nodes = Enumerable.Range(0, 4).Select(i => new Node(i)).ToArray();
        foreach (var node in nodes)
        {
            list.AddNewest(node);
        }

        list.MoveToNewest(nodes[1]);
        list.Remove(nodes[0]);
        list.MoveToNewest(nodes[1]); // already newest: no change

        Assert.Equal([2, 3, 1], OldestToNewest(list));
        Assert.Same(nodes[1], list.Newest);
        Assert.Null(nodes[0].Older);
        Assert.Null(nodes[0].Newer);
    }

    [Fact]
    public void MoveToNewest_EntryNotInList_AddsIt_AndRemoveOfOutsiderChangesNothing()
    {
        var list = new RecencyList<Node>();
        var inside = new Node(1);
        list.AddNewest(inside);

        list.Remove(new Node(9));
        list.MoveToNewest(new Node(2));

        Assert.Equal([1, 2], OldestToNewest(list));
    }

    [Fact]
    public void Remove_LastEntry_EmptiesList()
    {
        var list = new RecencyList<Node>();
        var only = new Node(1);
        list.AddNewest(only);
        list.Remove(only);
        Assert.Null(list.Oldest);
        Assert.Null(list.Newest);
    }
}
