using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace DhtNet.Cli.Api;

/// <summary>
/// The dashboard: static files embedded in the assembly (no build step, no external assets), a
/// JSON snapshot at /api/dashboard/state, and server-sent events at /api/dashboard/events (a
/// snapshot every second, hops and finished lookups as they happen).
/// </summary>
internal static class DashboardEndpoints
{
    public static readonly TimeSpan SnapshotInterval = TimeSpan.FromSeconds(1);

    private static readonly Dictionary<string, (string Type, byte[] Content)> Files = Load();

    public static void Map(WebApplication app, ApiNode node)
    {
        app.MapGet("/", (HttpContext c) => Serve(c, "index.html"));
        app.MapGet("/dashboard/{file}", (HttpContext c, string file) => Serve(c, file));
        app.MapGet("/api/dashboard/state", (HttpContext c) => ApiResponses.WriteJsonAsync(c, w =>
        {
            w.WriteStartObject();
            node.WriteSnapshot(w);
            w.WriteEndObject();
        }));
        app.MapGet("/api/dashboard/events", (HttpContext c) => StreamAsync(c, node));
    }

    private static Task Serve(HttpContext context, string name)
    {
        if (!Files.TryGetValue(name, out var file))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }

        context.Response.ContentType = file.Type;
        context.Response.Headers.CacheControl = "no-cache";
        context.Response.Headers.ContentSecurityPolicy = "default-src 'self'; style-src 'self'; script-src 'self'; img-src 'self' data:";
        context.Response.Headers.XContentTypeOptions = "nosniff";
        return context.Response.Body.WriteAsync(file.Content, context.RequestAborted).AsTask();
    }

    private static async Task StreamAsync(HttpContext context, ApiNode node)
    {
        var reader = node.Activity.Watch();
        if (reader is null)
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            context.Response.Headers.RetryAfter = "10";
            return;
        }

        try
        {
            var response = context.Response;
            response.ContentType = "text/event-stream";
            response.Headers.CacheControl = "no-cache";
            response.Headers["X-Accel-Buffering"] = "no";
            var stop = context.RequestAborted;
            using var timer = new PeriodicTimer(SnapshotInterval);
            await WriteSnapshotAsync(response, node, stop);
            var tick = timer.WaitForNextTickAsync(stop).AsTask();
            while (!stop.IsCancellationRequested)
            {
                var more = reader.WaitToReadAsync(stop).AsTask();
                if (await Task.WhenAny(tick, more) == tick)
                {
                    if (!await tick)
                    {
                        return;
                    }

                    await WriteSnapshotAsync(response, node, stop);
                    tick = timer.WaitForNextTickAsync(stop).AsTask();
                }

                while (reader.TryRead(out string? line))
                {
                    await response.WriteAsync($"data: {line}\n\n", stop);
                }

                await response.Body.FlushAsync(stop);
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
        }
        finally
        {
            node.Activity.Unwatch(reader);
        }
    }

    private static async Task WriteSnapshotAsync(HttpResponse response, ApiNode node, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("type"u8, "state"u8);
            node.WriteSnapshot(writer);
            writer.WriteEndObject();
        }

        await response.WriteAsync("data: ", cancellationToken);
        await response.Body.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), cancellationToken);
        await response.WriteAsync("\n\n", cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }

    private static Dictionary<string, (string, byte[])> Load()
    {
        var files = new Dictionary<string, (string, byte[])>(StringComparer.Ordinal);
        var assembly = typeof(DashboardEndpoints).Assembly;
        foreach (string resource in assembly.GetManifestResourceNames())
        {
            if (!resource.StartsWith("Dashboard/", StringComparison.Ordinal))
            {
                continue;
            }

            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            string name = resource["Dashboard/".Length..];
            string type = Path.GetExtension(name) switch
            {
                ".html" => "text/html; charset=utf-8",
                ".css" => "text/css; charset=utf-8",
                ".js" => "text/javascript; charset=utf-8",
                ".svg" => "image/svg+xml",
                _ => "application/octet-stream",
            };
            files[name] = (type, copy.ToArray());
        }

        return files;
    }
}
