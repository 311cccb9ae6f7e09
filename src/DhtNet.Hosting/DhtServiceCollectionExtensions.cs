using DhtNet.Mainline;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace DhtNet.Hosting;

/// <summary>Registers a <see cref="DhtNode"/> that runs as long as the host does.</summary>
public static class DhtServiceCollectionExtensions
{
    /// <summary>The configuration section <see cref="AddDhtNode"/> reads by default.</summary>
    public const string DefaultSectionName = "DhtNet";

    /// <summary>
    /// Adds a singleton <see cref="DhtNode"/>, started and stopped by a hosted service, with
    /// <c>IOptions&lt;DhtOptions&gt;</c> read from the configuration section <paramref name="sectionName"/>
    /// and then passed through <paramref name="configure"/> (for example
    /// <c>o =&gt; o with { ReadOnly = true }</c>). The options are validated when the host starts: an
    /// unknown key or a bad value stops it with an <see cref="OptionsValidationException"/> naming the
    /// key. The node logs through the host's <c>ILoggerFactory</c> unless the options name another.
    /// </summary>
    public static IServiceCollection AddDhtNode(
        this IServiceCollection services,
        Func<DhtOptions, DhtOptions>? configure = null,
        string sectionName = DefaultSectionName)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrEmpty(sectionName);
        if (services.Any(static d => d.ServiceType == typeof(DhtNodeRegistration)))
        {
            throw new InvalidOperationException("AddDhtNode was called already: one host runs one DHT node.");
        }

        var registration = new DhtNodeRegistration(sectionName, configure);
        services.AddSingleton(registration);
        services.AddOptions<DhtOptions>().ValidateOnStart();
        services.AddSingleton<IValidateOptions<DhtOptions>>(new DhtOptionsValidator(registration));
        services.AddTransient<IOptionsFactory<DhtOptions>, DhtOptionsFactory>();
        services.AddSingleton(static provider => new DhtNode(provider.GetRequiredService<IOptions<DhtOptions>>().Value));
        services.AddHostedService<DhtNodeHostedService>();
        return services;
    }
}
