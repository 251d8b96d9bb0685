using System.Globalization;
using System.Text.Json;
using CropVision.Api.Feedback;
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
    public static readonly string[] Statuses = AnswerFields.Statuses;

    public static (DeviceAnswerSubmission? Submission, Dictionary<string, string[]> Errors) Validate(
        IDictionary<string, string> fields, byte[] photo, ServedModel model, IReadOnlyList<int> availableVersions)
    {
        var a = AnswerFields.Read(fields, model, availableVersions, "the phone ran", "The phone's answer");
        if (!Guid.TryParse(a.Text("id"), out var clientId) || clientId == Guid.Empty)
            a.Fail("id", "The phone's id for this answer is required (a UUID); a retry sends the same id.");

        string? probabilities = null;
        if (a.Text("probabilities") is { } json)
        {
            if (Probabilities(json, a.Classes) is { } normal) probabilities = normal;
            else a.Fail("probabilities", $"Probabilities are a JSON object of {model.Crop} classes ({a.ClassList}), each a number from 0 to 1.");
        }

        if (a.Errors.Count > 0) return (null, a.Errors);
        return (new DeviceAnswerSubmission(clientId, model.Crop, new DeviceAnswer(a.Version, a.Label!, a.Confidence, a.Severity, a.Status!, probabilities), photo), a.Errors);
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
