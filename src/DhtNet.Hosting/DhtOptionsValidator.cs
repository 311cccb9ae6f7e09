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
            options.Validate();
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
