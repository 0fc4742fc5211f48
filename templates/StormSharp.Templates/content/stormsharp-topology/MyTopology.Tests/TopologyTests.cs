using StormSharp.Runtime;
using Xunit;

namespace MyTopology.Tests;

public sealed class TopologyTests
{
    [Fact]
    public void CompleteTopology_FixedWords_CountsEachWord()
    {
        // The spout is replaced by one that emits exactly these tuples; the run ends when every tuple is acked.
        var result = Testing.CompleteTopology(
            Program.CreateTopology(),
            new Dictionary<string, IReadOnlyList<IReadOnlyList<object?>>>
            {
                ["words"] = [["apple"], ["pear"], ["apple"]],
            },
            Program.CreateConfig(),
            timeout: TimeSpan.FromSeconds(30));

        var counts = result.Emitted("count").Select(t => ((string)t[0]!, (long)t[1]!)).ToList();
        Assert.Equal(3, counts.Count);
        Assert.Contains(("apple", 2L), counts);
        Assert.Contains(("pear", 1L), counts);
        Assert.Equal(3, result.Info.Component("words").Total().Acked);
    }
}
