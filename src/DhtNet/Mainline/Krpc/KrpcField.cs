namespace DhtNet.Mainline.Krpc;

/// <summary>The argument and return-value keys the decoder knows (<c>a</c> and <c>r</c> dictionaries).</summary>
internal enum KrpcField : byte
{
    Id,
    Target,
    InfoHash,
    Port,
    Token,
    ImpliedPort,
    Seed,
    Scrape,
    NoSeed,
    Want,
    Seq,
    Value,
    Key,
    Signature,
    Salt,
    Cas,
    Nodes,
    Nodes6,
    Values,
    BloomSeeds,
    BloomPeers,
    Interval,
    Num,
    Samples,
}
