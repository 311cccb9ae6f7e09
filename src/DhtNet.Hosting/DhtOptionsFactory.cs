using DhtNet.Mainline;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DhtNet.Hosting;

/// <summary>What <c>AddDhtNode</c> was given: where the settings are and what code changes in them.</summary>
internal sealed record DhtNodeRegistration(string SectionName, Func<DhtOptions, DhtOptions>? Configure);

/// <summary>
/// Makes the <see cref="DhtOptions"/> behind <c>IOptions&lt;DhtOptions&gt;</c>. DhtOptions is an
/// immutable record, so the usual Action-based configure steps cannot touch it: this factory builds
/// it from the configuration section, then applies the <c>AddDhtNode</c> callback, then fills in the host's logger factory, then validates.
/// </summary>
internal sealed class DhtOptionsFactory(
    IServiceProvider services,
    DhtNodeRegistration registration,
    IEnumerable<IValidateOptions<DhtOptions>> validations)
    : OptionsFactory<DhtOptions>([], [], validations)
{
    protected override DhtOptions CreateInstance(string name)
    {
        var options = new DhtOptions();
        var configuration = services.GetService<IConfiguration>();
        var errors = new List<string>();
        if (configuration is not null)
        {
            options = DhtOptionsBinder.Bind(options, configuration.GetSection(registration.SectionName), errors);
        }

        if (errors.Count > 0)
        {
            throw new OptionsValidationException(name, typeof(DhtOptions), errors);
        }

        options = registration.Configure?.Invoke(options) ?? options;

        // The host's logging unless code chose other. (Metrics: the host's IMeterFactory goes into
        // DhtOptions.MeterFactory the same way once the library has that option.)
        return options.LoggerFactory is null
            ? options with { LoggerFactory = services.GetService<ILoggerFactory>() }
            : options;
    }
}
