using Nabla.Tests.Architecture;

namespace Nabla.Tests.Architecture
{
    /// <summary>
    /// The arrows of ../shared/DESIGN.md, checked on the built library's IL: each room (namespace under <c>Nabla</c>; the
    /// root namespace, where <see cref="Tensor{T}"/> lives, is Tensors) may use only the rooms listed for it.
    /// </summary>
    public class ArchitectureTests
    {
        /// <summary>Room → the rooms it may use. A room absent here (Training's callers: Experiments) may use any.</summary>
        public static readonly IReadOnlyDictionary<string, string[]> Allowed = new Dictionary<string, string[]>
        {
            ["Kernels"] = [],
            ["Tensors"] = ["Kernels"],
            ["Functions"] = ["Tensors", "Kernels"],
            ["Layers"] = ["Tensors", "Kernels", "Functions"],
            ["Optimizers"] = ["Tensors", "Kernels", "Functions"],
            ["Models"] = ["Tensors", "Kernels", "Functions", "Layers", "Optimizers"],
            ["Autograd"] = ["Tensors", "Kernels", "Functions", "Optimizers"],
            ["Data"] = ["Tensors", "Kernels"],
            ["IO"] = ["Tensors", "Kernels"],
            ["Training"] = ["Tensors", "Kernels", "Functions", "Layers", "Optimizers", "Models", "Autograd", "Data", "IO"],
        };

        /// <summary>
        /// The two allowed exceptions, both saving and loading parameters as .npz (the book's <c>save_params</c>/<c>load_params</c>
        /// are methods of the network), which lives in IO: the layered network, and the engine's one parameter-file class.
        /// </summary>
        public static bool Exception(Mono.Cecil.TypeDefinition from, string toRoom) =>
            toRoom == "IO" && ((from.Namespace == "Nabla.Models" && from.Name == "LayerNetwork`1")
                               || (from.Namespace == "Nabla.Autograd" && from.Name == "ParameterFile"));

        private static string LibraryPath => typeof(Tensor<float>).Assembly.Location;

        [Fact]
        public void EveryRoomUsesOnlyTheRoomsBelowIt()
        {
            var violations = DependencyRules.Check(LibraryPath, "Nabla", Allowed, Exception);
            Assert.True(violations.Count == 0, "Forbidden dependencies:\n" + string.Join("\n", violations));
        }

        [Fact]
        public void TheLibraryNeverUsesTheConsole()
        {
            var uses = DependencyRules.Uses(LibraryPath, "Nabla", "System.Console");
            Assert.True(uses.Count == 0, "The library writes to the console:\n" + string.Join("\n", uses));
        }

        [Fact]
        public void LayersAndModelsHoldNoUnsafeCodeAndNoIntrinsics()
        {
            var found = DependencyRules.LowLevelCode(LibraryPath, "Nabla", "Layers", "Models");
            Assert.True(found.Count == 0, "Low-level code above the kernels:\n" + string.Join("\n", found));
            // The check sees it where it is: the kernels are full of it.
            Assert.NotEmpty(DependencyRules.LowLevelCode(LibraryPath, "Nabla", "Kernels"));
            Assert.Contains(DependencyRules.LowLevelCode(typeof(ArchitectureTests).Assembly.Location, "ArchFixture", "Kernels"), f => f.Contains("Vector256"));
        }

        [Fact]
        public void TheRulesCatchALayerUsingDataAndAKernelUsingATensor()
        {
            // Types of this test assembly arranged as the library's rooms under the root ArchFixture (below): the rule must
            // name exactly the two forbidden arrows, as it named Affine → Data.ByteImages and Kernels.SparseRows → Data.NonZeroIndex at 2045177.
            var violations = DependencyRules.Check(typeof(ArchitectureTests).Assembly.Location, "ArchFixture", Allowed);
            Assert.Equal(
                ["Kernels → Tensors: ArchFixture.Kernels.Gather uses ArchFixture.Matrix", "Layers → Data: ArchFixture.Layers.Dense uses ArchFixture.Data.Images"],
                violations.Select(v => v.ToString()).Order());
            Assert.Equal(["ArchFixture.Layers.Dense uses System.Console"], DependencyRules.Uses(typeof(ArchitectureTests).Assembly.Location, "ArchFixture", "System.Console"));
        }

        [Fact]
        public void RoomsAreTheFirstNamespaceSegmentUnderTheRoot()
        {
            Assert.Equal("Tensors", DependencyRules.Room("Nabla", "Nabla"));
            Assert.Equal("Data", DependencyRules.Room("Nabla.Data.Fetch", "Nabla"));
            Assert.Null(DependencyRules.Room("NablaX.Data", "Nabla"));
            Assert.Null(DependencyRules.Room("System", "Nabla"));
        }
    }
}

// A miniature library for the test above: Layers → Data and Kernels → Tensors are forbidden, Layers → Tensors and Data → Tensors allowed.
namespace ArchFixture
{
    internal sealed class Matrix { public float[] Values = []; }
}

namespace ArchFixture.Data
{
    internal sealed class Images { public ArchFixture.Matrix Batch() => new(); }
}

namespace ArchFixture.Kernels
{
    internal static class Gather
    {
        public static int Count(object o) => o is ArchFixture.Matrix m ? m.Values.Length : 0;
        public static float First(float[] v) => System.Runtime.Intrinsics.Vector256.Sum(System.Runtime.Intrinsics.Vector256.Create(v));
    }
}

namespace ArchFixture.Layers
{
    internal sealed class Dense
    {
        public ArchFixture.Matrix Forward(ArchFixture.Matrix x) => x;
        public int Peek(object images)
        {
            System.Console.WriteLine("forbidden");
            return images is ArchFixture.Data.Images i ? i.Batch().Values.Length : 0;
        }
    }
}
