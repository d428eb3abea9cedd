namespace Nabla.Cli;

internal static class Program
{
    private static int Main(string[] args)
    {
        // The Linux x64 package's x86-64-v3 build hands over to its x86-64-v4 build on an AVX-512 machine (returns otherwise).
        NativeVariant.ReplaceWithWiderBuild(args);
        return App.Run(args, Console.Out, Console.Error);
    }
}
