using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace DhtNet.Cli.Api;

/// <summary>
/// The RPC commands around the IPFS DHT that make it usable from the clients: add (one-chunk files as
/// kubo chunks them), block get/put/stat, object new, name publish/resolve (IPNS over the DHT) and
/// swarm connect. Mapped only when the node runs the IPFS network.
/// </summary>
internal static class IpfsEndpoints
{
    /// <summary>How long a published record is valid unless <c>lifetime</c> says otherwise (kubo's default).</summary>
    public static readonly TimeSpan DefaultLifetime = TimeSpan.FromHours(48);

    /// <summary>How long resolvers may cache a published record unless <c>ttl</c> says otherwise (kubo's default).</summary>
    public static readonly TimeSpan DefaultTtl = TimeSpan.FromHours(1);

    /// <summary>The longest lifetime a record may be given: a year.</summary>
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromDays(365);

    public static void Map(IEndpointRouteBuilder app, IpfsNetwork ipfs)
    {
        app.MapPost("/api/v0/add", (HttpContext c) => AddAsync(c, ipfs));
        app.MapPost("/api/v0/block/put", (HttpContext c) => BlockPutAsync(c, ipfs));
        app.MapPost("/api/v0/block/get", (HttpContext c) =>
        {
            var block = LocalBlock(c, ipfs);
            c.Response.ContentType = "application/octet-stream";
            c.Response.Headers["X-Stream-Output"] = "1";
            return c.Response.Body.WriteAsync(block.Data, c.RequestAborted).AsTask();
        });
        app.MapPost("/api/v0/block/stat", (HttpContext c) =>
        {
            var block = LocalBlock(c, ipfs);
            return ApiResponses.WriteJsonAsync(c, w =>
            {
                w.WriteStartObject();
                w.WriteString("Key"u8, block.Cid.ToString());
                w.WriteNumber("Size"u8, block.Data.Length);
                w.WriteEndObject();
            });
        });
        app.MapPost("/api/v0/object/new", (HttpContext c) =>
        {
            var block = ApiArguments.OptionalArg(c.Request) switch
            {
                null => UnixFs.EmptyNode,
                "unixfs-dir" => UnixFs.EmptyDirectory,
                var other => throw new ApiArgumentException("arg", $"template '{other}': the templates are unixfs-dir, or none for an empty node"),
            };
            ipfs.Blocks.Put(block);
            return ApiResponses.WriteJsonAsync(c, w =>
            {
                w.WriteStartObject();
                w.WriteString("Hash"u8, block.Cid.ToString());
                w.WriteNull("Links"u8);
                w.WriteEndObject();
            });
        });
        app.MapPost("/api/v0/name/publish", (HttpContext c) => PublishAsync(c, ipfs));
        app.MapPost("/api/v0/name/resolve", (HttpContext c) => ResolveAsync(c, ipfs));
        app.MapPost("/api/v0/swarm/connect", (HttpContext c) => ConnectAsync(c, ipfs));
    }

    private static async Task AddAsync(HttpContext context, IpfsNetwork ipfs)
    {
        var request = context.Request;
        int cidVersion = ApiArguments.Number(request, "cid-version", 0, 0, 1);
        bool? rawLeaves = request.Query["raw-leaves"].Count == 0 ? null : ApiArguments.Flag(request, "raw-leaves", false);
        bool onlyHash = ApiArguments.Flag(request, "only-hash", false);
        if (ApiArguments.Option(request, "hash") is { } hash && hash != "sha2-256")
        {
            throw new ApiArgumentException("hash", $"'{hash}': this node hashes blocks with sha2-256 only");
        }

        if (ApiArguments.Option(request, "chunker") is { } chunker && chunker != $"size-{UnixFs.MaxChunkSize}")
        {
            throw new ApiArgumentException("chunker", $"'{chunker}': this node adds files of one chunk, size-{UnixFs.MaxChunkSize}");
        }

        if (ApiArguments.Flag(request, "wrap-with-directory", false))
        {
            throw new ApiArgumentException("wrap-with-directory", "this node adds single files only");
        }

        var file = await RequestBodies.ReadFileAsync(request, "file", UnixFs.MaxChunkSize, allowEmpty: true);
        var block = UnixFs.AddFile(file.Data, cidVersion, rawLeaves);
        if (!onlyHash)
        {
            ipfs.Blocks.Put(block);
        }

        string cid = block.Cid.ToString();
        await ApiResponses.WriteJsonAsync(context, w =>
        {
            w.WriteStartObject();
            w.WriteString("Name"u8, file.Name is { Length: > 0 and <= ApiArguments.MaxArgLength } name ? name : cid);
            w.WriteString("Hash"u8, cid);

            // kubo's Size is the DAG's cumulative size: one block's length here.
            w.WriteString("Size"u8, block.Data.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
            w.WriteEndObject();
        });
        await context.Response.WriteAsync("\n", context.RequestAborted);
    }

    private static async Task BlockPutAsync(HttpContext context, IpfsNetwork ipfs)
    {
        var request = context.Request;
        if (ApiArguments.Option(request, "mhtype") is { } mhtype && mhtype != "sha2-256")
        {
            throw new ApiArgumentException("mhtype", $"'{mhtype}': this node hashes blocks with sha2-256 only");
        }

        if (ApiArguments.Number(request, "mhlen", -1, -1, 64) is not (-1 or 32))
        {
            throw new ApiArgumentException("mhlen", "a sha2-256 digest is 32 bytes");
        }

        // kubo: cid-codec names the codec (raw by default); the older format (v0 = dag-pb CIDv0) still works.
        string? format = ApiArguments.Option(request, "format");
        string? codecName = ApiArguments.Option(request, "cid-codec");
        bool v0 = format == "v0";
        string codecText = codecName ?? (format is null or "v0" ? (v0 ? "dag-pb" : "raw") : format is "protobuf" ? "dag-pb" : format is "cbor" ? "dag-cbor" : format);
        if (!Multicodec.TryGetCode(codecText, out ulong codec) || codec is not (Multicodec.Raw or Multicodec.DagPb or Multicodec.DagCbor or Multicodec.DagJson or Multicodec.Json or Multicodec.Cbor))
        {
            throw new ApiArgumentException(codecName is null ? "format" : "cid-codec", $"'{codecText}': expected raw, dag-pb, dag-cbor, dag-json, json or cbor");
        }

        if (v0 && codec != Multicodec.DagPb)
        {
            throw new ApiArgumentException("cid-codec", "a CIDv0 is always dag-pb");
        }

        var data = await RequestBodies.ReadFileAsync(request, "data", ipfs.Blocks.Options.MaxBlockSize, allowEmpty: true);
        var hash = Multihash.Sha256(data.Data);
        var cid = v0 ? Cid.CreateV0(hash) : Cid.CreateV1(codec, hash);
        ipfs.Blocks.Put(cid, data.Data);
        await ApiResponses.WriteJsonAsync(context, w =>
        {
            w.WriteStartObject();
            w.WriteString("Key"u8, cid.ToString());
            w.WriteNumber("Size"u8, data.Data.Length);
            w.WriteEndObject();
        });
    }

    private static Block LocalBlock(HttpContext context, IpfsNetwork ipfs)
    {
        string arg = ApiArguments.Arg(context.Request, 1);
        var cid = Cid.TryParse(arg, out var parsed) ? parsed : throw new ApiArgumentException("arg", "expected a CID (Qm… or a multibase CIDv1)");

        // This node fetches no blocks from other peers (no bitswap): what it lacks, it lacks.
        return ipfs.Blocks.Get(cid) ?? throw new ApiOperationException($"{cid}: block not found locally (this node fetches no blocks from the network)");
    }

    private static async Task PublishAsync(HttpContext context, IpfsNetwork ipfs)
    {
        var request = context.Request;
        string path = IpfsPath(ApiArguments.Arg(request, 1));
        string key = ApiArguments.Option(request, "key") ?? "self";
        if (key != "self" && key != ipfs.Node.PeerId.ToString())
        {
            throw new ApiArgumentException("key", $"'{key}': this node publishes with its own key only (self)");
        }

        var lifetime = ApiArguments.Duration(request, "lifetime", DefaultLifetime, MaxLifetime);
        var ttl = ApiArguments.Duration(request, "ttl", DefaultTtl, MaxLifetime);
        using var timeout = Deadline(context);
        var (name, value) = await ipfs.PublishAsync(path, lifetime, ttl, timeout.Token);
        await ApiResponses.WriteJsonAsync(context, w =>
        {
            w.WriteStartObject();
            w.WriteString("Name"u8, name);
            w.WriteString("Value"u8, value);
            w.WriteEndObject();
        });
    }

    private static async Task ResolveAsync(HttpContext context, IpfsNetwork ipfs)
    {
        var request = context.Request;
        bool recursive = ApiArguments.Flag(request, "recursive", true);
        string text = ApiArguments.OptionalArg(request) ?? ipfs.Node.PeerId.ToString();
        string bare = text.StartsWith(IpnsRecord.Namespace, StringComparison.Ordinal) ? text[IpnsRecord.Namespace.Length..] : text;
        string[] parts = bare.Split('/', 2);
        if (!PeerId.TryParse(parts[0], out var name))
        {
            throw new ApiArgumentException("arg", $"'{parts[0]}' is not a peer id (this node resolves IPNS keys, not DNSLink names)");
        }

        using var timeout = Deadline(context);
        string path = await ipfs.ResolveAsync(name, recursive, timeout.Token);
        if (parts.Length == 2)
        {
            path = $"{path.TrimEnd('/')}/{parts[1]}";
        }

        await ApiResponses.WriteJsonAsync(context, w =>
        {
            w.WriteStartObject();
            w.WriteString("Path"u8, path);
            w.WriteEndObject();
        });
    }

    private static async Task ConnectAsync(HttpContext context, IpfsNetwork ipfs)
    {
        var addresses = new List<Multiaddr>();
        foreach (string text in ApiArguments.Args(context.Request, 1))
        {
            if (!Multiaddr.TryParse(text, out var address))
            {
                throw new ApiArgumentException("arg", $"'{text}' is not a multiaddr");
            }

            if (address.PeerId is null)
            {
                throw new ApiArgumentException("arg", $"'{text}' must end in /p2p/<peer id>");
            }

            addresses.Add(address);
        }

        using var timeout = Deadline(context);
        var lines = new List<string>();
        foreach (var address in addresses)
        {
            var peer = await ipfs.ConnectAsync(address, timeout.Token);
            lines.Add($"connect {peer} success");
        }

        await ApiResponses.WriteJsonAsync(context, w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("Strings"u8);
            foreach (string line in lines)
            {
                w.WriteStringValue(line);
            }

            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    /// <summary><c>/ipfs/&lt;cid&gt;[/…]</c>, <c>/ipns/&lt;name&gt;[/…]</c> or a bare CID (kubo prefixes /ipfs/).</summary>
    private static string IpfsPath(string text)
    {
        if (Cid.TryParse(text, out var bare))
        {
            return $"/ipfs/{bare}";
        }

        string[] parts = text.Split('/');
        bool valid = parts.Length >= 3 && parts[0].Length == 0 && parts[1] switch
        {
            "ipfs" => Cid.TryParse(parts[2], out _),
            "ipns" => parts[2].Length > 0,
            _ => false,
        };
        return valid ? text : throw new ApiArgumentException("arg", $"'{text}' is not a path: expected /ipfs/<cid>, /ipns/<name> or a CID");
    }

    /// <summary>The request's <c>timeout</c> (or none) joined with the client leaving.</summary>
    private static CancellationTokenSource Deadline(HttpContext context)
    {
        var deadline = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        if (ApiArguments.Timeout(context.Request) is { } timeout)
        {
            deadline.CancelAfter(timeout);
        }

        return deadline;
    }
}
