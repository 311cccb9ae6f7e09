using System.Diagnostics.CodeAnalysis;

namespace DhtNet.Ipfs.Records;

/// <summary>
/// Validates by the key's namespace, as the IPFS DHT requires: <c>/pk/</c> and <c>/ipns/</c> by
/// default; keys of any other namespace are refused.
/// </summary>
public sealed class RecordValidator : IRecordValidator
{
    private readonly KeyValuePair<byte[], IRecordValidator>[] _namespaces;

    /// <summary>The IPFS DHT's validators: <c>/pk/</c> and <c>/ipns/</c>.</summary>
    public RecordValidator()
        : this(new Dictionary<string, IRecordValidator>
        {
            [PublicKeyRecordValidator.Namespace] = new PublicKeyRecordValidator(),
            [IpnsRecordValidator.Namespace] = new IpnsRecordValidator(),
        })
    {
    }

    /// <param name="namespaces">Validators by namespace prefix, written with both slashes (<c>/ipns/</c>).</param>
    public RecordValidator(IReadOnlyDictionary<string, IRecordValidator> namespaces)
    {
        ArgumentNullException.ThrowIfNull(namespaces);
        _namespaces = new KeyValuePair<byte[], IRecordValidator>[namespaces.Count];
        var i = 0;
        foreach (var (prefix, validator) in namespaces)
        {
            if (prefix.Length < 3 || prefix[0] != '/' || prefix[^1] != '/' || prefix.AsSpan(1, prefix.Length - 2).Contains('/'))
            {
                throw new ArgumentException($"A namespace is written /name/, not \"{prefix}\".", nameof(namespaces));
            }

            _namespaces[i++] = new(System.Text.Encoding.ASCII.GetBytes(prefix), validator ?? throw new ArgumentException($"The validator of {prefix} is null.", nameof(namespaces)));
        }
    }

    /// <summary>The validators of the IPFS DHT, shared (they hold no state).</summary>
    public static RecordValidator Default { get; } = new();

    public bool TryValidate(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, DateTimeOffset now, [NotNullWhen(false)] out string? error)
    {
        var validator = Find(key);
        if (validator is null)
        {
            error = "The record key's namespace is not one this node validates.";
            return false;
        }

        return validator.TryValidate(key, value, now, out error);
    }

    public int Select(ReadOnlySpan<byte> key, IReadOnlyList<ReadOnlyMemory<byte>> values)
    {
        var validator = Find(key) ?? throw new ArgumentException("The record key's namespace is not one this node validates.", nameof(key));
        return validator.Select(key, values);
    }

    private IRecordValidator? Find(ReadOnlySpan<byte> key)
    {
        foreach (var (prefix, validator) in _namespaces)
        {
            // The namespace must be followed by something: "/ipns/" alone names nothing.
            if (key.Length > prefix.Length && key.StartsWith(prefix))
            {
                return validator;
            }
        }

        return null;
    }
}
