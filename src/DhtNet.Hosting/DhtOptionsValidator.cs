using DhtNet.Mainline;
using Microsoft.Extensions.Options;

namespace DhtNet.Hosting;

/// <summary>
/// Checks <see cref="DhtOptions"/> with the library's own rules, so the host fails at start with the
/// bad key named ("DhtNet:Port: ...") instead of when the node is first used.
/// </summary>
internal sealed class DhtOptionsValidator(DhtNodeRegistration registration) : IValidateOptions<DhtOptions>
{
    public ValidateOptionsResult Validate(string? name, DhtOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        try
        {
            // The library validates in the node's constructor and has no public Validate(); an
            // unstarted node holds no socket or timer, and disposing it completes at once.
            var probe = new DhtNode(options);
            probe.DisposeAsync().AsTask().GetAwaiter().GetResult();
            return ValidateOptionsResult.Success;
        }
        catch (ArgumentException e)
        {
            return ValidateOptionsResult.Fail($"{registration.SectionName}:{e.ParamName}: {Describe(e)}");
        }
    }

    // The first line of the message without the " (Parameter 'X')" suffix: the key is named already.
    private static string Describe(ArgumentException e)
    {
        string message = e.Message.Split('\n')[0];
        string suffix = $" (Parameter '{e.ParamName}')";
        return message.EndsWith(suffix, StringComparison.Ordinal) ? message[..^suffix.Length] : message;
    }
}
