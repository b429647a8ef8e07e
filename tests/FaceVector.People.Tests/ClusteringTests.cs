using FaceVector.People.Clustering;

namespace FaceVector.People.Tests;

public sealed class ClusteringTests
{
    /// <summary>Two tight groups of three joined by one stray high edge: single linkage chains them, average linkage does not.</summary>
    private static FaceGraph Bridge()
    {
        // Vectors: group A along e0 (+ small own component), group B along e1; the bridge is a fake high score.
        var vectors = new List<float[]>();
        for (var i = 0; i < 6; i++)
        {
            var v = new float[8];
            v[i < 3 ? 0 : 1] = 0.8f;
            v[2 + i] = 0.6f;
            vectors.Add(v);
        }
        var graph = new FaceGraph([.. Enumerable.Range(0, 6).Select(_ => Guid.NewGuid())], vectors);
        foreach (var (a, b) in new[] { (0, 1), (0, 2), (1, 2), (3, 4), (3, 5), (4, 5) }) graph.Link(a, b, 0.64f);
        graph.Link(2, 3, 0.5f);
        return graph;
    }

    [Fact]
    public void AverageLinkageDoesNotChainThroughOneStrayEdge()
    {
        var clusters = AverageLinkage.Cluster(Bridge(), 0.33f, 2);
        Assert.Equal(2, clusters.ClusterCount);
        Assert.Equal(clusters.ClusterOf[0], clusters.ClusterOf[2]);
        Assert.NotEqual(clusters.ClusterOf[2], clusters.ClusterOf[3]);
    }

    [Fact]
    public void ConnectedComponentsChain()
    {
        var clusters = ConnectedComponents.Cluster(Bridge(), 0.33f, 2);
        Assert.Equal(1, clusters.ClusterCount);
    }

    [Fact]
    public void SmallGroupsStayUnassignedUnlessSeeded()
    {
        var graph = Bridge();
        var clusters = AverageLinkage.Cluster(graph, 0.33f, 4);
        Assert.All(clusters.ClusterOf, c => Assert.Equal(-1, c));

        graph.Seeds[0] = 7;
        clusters = AverageLinkage.Cluster(graph, 0.33f, 4);
        Assert.True(clusters.ClusterOf[0] >= 0);
        Assert.Equal(-1, clusters.ClusterOf[3]);
    }

    [Fact]
    public void SeedsOfDifferentPersonsNeverMergeAndCannotLinkIsRespected()
    {
        var graph = Bridge();
        graph.Seeds[0] = 1;
        graph.Seeds[1] = 2;
        graph.CannotLink[2] = [1];
        var clusters = AverageLinkage.Cluster(graph, 0.33f, 1);
        Assert.NotEqual(clusters.ClusterOf[0], clusters.ClusterOf[1]);
        Assert.NotEqual(clusters.ClusterOf[0], clusters.ClusterOf[2]);

        var whispers = ChineseWhispers.Cluster(graph, 0.33f, 1);
        Assert.NotEqual(whispers.ClusterOf[0], whispers.ClusterOf[1]);
        Assert.NotEqual(whispers.ClusterOf[0], whispers.ClusterOf[2]);
    }
}
