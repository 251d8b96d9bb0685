using System.Globalization;
using System.Text.Json;
using CropVision.Core.Models;
using CropVision.FieldStore.Observations;
using CropVision.Serving.Registry;

namespace CropVision.Api.OnDevice;

/// <summary>An answer the phone made offline, sent with its photo once back online. Validated.</summary>
public sealed record DeviceAnswerSubmission(Guid ClientId, string Crop, DeviceAnswer Answer, byte[] Photo);

/// <summary>
/// Reads and checks the form of POST /v1/device-answers against the crop's served model: the phone's id for the answer
/// (a UUID), the model version it ran, a label of the crop's classes, its confidence, severity grade, status, and
/// optionally its probability per class (a JSON object of the crop's classes, each 0 to 1).
/// </summary>
public static class DeviceAnswerForm
{
    public static readonly string[] Statuses = ["ok", "uncertain", "rejected"];

    public static (DeviceAnswerSubmission? Submission, Dictionary<string, string[]> Errors) Validate(
        IDictionary<string, string> fields, byte[] photo, ServedModel model, IReadOnlyList<int> availableVersions)
    {
        var errors = new Dictionary<string, string[]>();
        string? Text(string name) => fields.TryGetValue(name, out var v) && !string.IsNullOrWhiteSpace(v) ? v.Trim() : null;
        void Fail(string name, string message) => errors[name] = [message];

        var classes = model.Manifest.Task(model.Manifest.PrimaryOutput).Labels;
        var severities = model.Manifest.Tasks.FirstOrDefault(t => t.Output == TaskNames.Severity)?.Labels ?? [];
        var classList = string.Join(", ", classes);

        if (!Guid.TryParse(Text("id"), out var clientId) || clientId == Guid.Empty)
            Fail("id", "The phone's id for this answer is required (a UUID); a retry sends the same id.");

        if (!int.TryParse(Text("modelVersion"), NumberStyles.None, CultureInfo.InvariantCulture, out var version))
            Fail("modelVersion", "The model version the phone ran is required (a whole number).");
        else if (version != model.Version && !availableVersions.Contains(version))
            Fail("modelVersion", $"Version {version} of the {model.Crop} model does not exist (serving: {model.Version}).");

        var label = Text("label");
        if (label is null) Fail("label", "The phone's answer (label) is required.");
        else if (!classes.Contains(label)) Fail("label", $"'{label}' is not a {model.Crop} class ({classList}).");

        if (!double.TryParse(Text("confidence"), NumberStyles.Float, CultureInfo.InvariantCulture, out var confidence) || confidence is < 0 or > 1 || double.IsNaN(confidence))
            Fail("confidence", "The answer's confidence is required, a number from 0 to 1.");

        var severity = Text("severity");
        if (severity is not null && !severities.Contains(severity))
            Fail("severity", $"'{severity}' is not a severity grade ({string.Join(", ", severities)}).");

        var status = Text("status")?.ToLowerInvariant();
        if (status is null || !Statuses.Contains(status)) Fail("status", $"The answer's status is required: {string.Join(", ", Statuses)}.");

        string? probabilities = null;
        if (Text("probabilities") is { } json)
        {
            if (Probabilities(json, classes) is { } normal) probabilities = normal;
            else Fail("probabilities", $"Probabilities are a JSON object of {model.Crop} classes ({classList}), each a number from 0 to 1.");
        }

        if (errors.Count > 0) return (null, errors);
        return (new DeviceAnswerSubmission(clientId, model.Crop, new DeviceAnswer(version, label!, confidence, severity, status!, probabilities), photo), errors);
    }

    /// <summary>The probabilities re-written compactly (at most one entry per class), or null when they are not valid.</summary>
    private static string? Probabilities(string json, IReadOnlyList<string> classes)
    {
        if (json.Length > 4000) return null;
        Dictionary<string, double>? parsed;
        try { parsed = JsonSerializer.Deserialize<Dictionary<string, double>>(json); }
        catch (JsonException) { return null; }
        if (parsed is null || parsed.Count == 0 || parsed.Any(p => !classes.Contains(p.Key) || double.IsNaN(p.Value) || p.Value is < 0 or > 1)) return null;
        return JsonSerializer.Serialize(parsed.OrderByDescending(p => p.Value).ToDictionary(p => p.Key, p => Math.Round(p.Value, 4)));
    }
}
