using System.CommandLine;

namespace Nabla.Cli;

/// <summary><c>nabla fetch mnist|fashion-mnist</c>: only the data step of <c>train</c>.</summary>
internal static class FetchCommand
{
    public static Command Create(TextWriter @out)
    {
        var dataset = new Argument<string>("dataset") { Description = "mnist or fashion-mnist" }
            .Check(v => v is not ("mnist" or "fashion-mnist") ? $"unknown data set '{v}'; expected mnist or fashion-mnist." : null);
        var cmd = new Command("fetch", "Fetch a data set into the user cache (SHA-256 checked), unless it is already found.") { dataset };
        cmd.SetAction(r =>
        {
            DataResolver.Fetch(r.GetValue(dataset)!, @out, showProgress: true);
            return 0;
        });
        return cmd;
    }
}
