using System.Globalization;
using CropVision.Core.Models;
using CropVision.Serving.Batching;
using CropVision.Serving.Registry;

namespace CropVision.Api.Feedback;

/// <summary>The farmer's verdict on one answer, with what the model said when the photo was sent. Validated.</summary>
public sealed record FeedbackSubmission(
    string Crop, int ModelVersion, string Label, double Confidence, string? Severity, string Status,
    string Verdict, string? FarmerLabel, byte[] Photo);

/// <summary>
/// Reads and checks the feedback form's text fields against the crop's served model: every label must be one of its
/// classes, the verdict right or wrong, and a "wrong" names the right class or none ("don't know").
/// </summary>
public static class FeedbackForm
{
    public const string Right = "right", Wrong = "wrong";
    public static readonly string[] Statuses = ["ok", "uncertain", "rejected"];

    /// <summary>The submission, or the errors by field name (for a 400 validation problem).</summary>
    public static (FeedbackSubmission? Submission, Dictionary<string, string[]> Errors) Validate(
        IDictionary<string, string> fields, byte[] photo, ServedModel model, IReadOnlyList<int> availableVersions)
    {
        var errors = new Dictionary<string, string[]>();
        string? Text(string name) => fields.TryGetValue(name, out var v) && !string.IsNullOrWhiteSpace(v) ? v.Trim() : null;
        void Fail(string name, string message) => errors[name] = [message];

        var classes = model.Manifest.Task(model.Manifest.PrimaryOutput).Labels;
        var severities = model.Manifest.Tasks.FirstOrDefault(t => t.Output == TaskNames.Severity)?.Labels ?? [];
        var classList = string.Join(", ", classes);

        var versionText = Text("modelVersion");
        if (!int.TryParse(versionText, NumberStyles.None, CultureInfo.InvariantCulture, out var version))
            Fail("modelVersion", "The model version the answer came from is required (a whole number).");
        else if (version != model.Version && !availableVersions.Contains(version))
            Fail("modelVersion", $"Version {version} of the {model.Crop} model does not exist (serving: {model.Version}).");

        var label = Text("label");
        if (label is null) Fail("label", "The model's answer (label) is required.");
        else if (!classes.Contains(label)) Fail("label", $"'{label}' is not a {model.Crop} class ({classList}).");

        var confidenceText = Text("confidence");
        if (!double.TryParse(confidenceText, NumberStyles.Float, CultureInfo.InvariantCulture, out var confidence) || confidence is < 0 or > 1 || double.IsNaN(confidence))
            Fail("confidence", "The answer's confidence is required, a number from 0 to 1.");

        var severity = Text("severity");
        if (severity is not null && !severities.Contains(severity))
            Fail("severity", $"'{severity}' is not a severity grade ({string.Join(", ", severities)}).");

        var status = Text("status")?.ToLowerInvariant();
        if (status is null || !Statuses.Contains(status)) Fail("status", $"The answer's status is required: {string.Join(", ", Statuses)}.");

        var verdict = Text("verdict")?.ToLowerInvariant();
        var farmerLabel = Text("farmerLabel");
        if (verdict is not (Right or Wrong)) Fail("verdict", $"The verdict is required: {Right} or {Wrong}.");
        else if (verdict == Right && farmerLabel is not null && farmerLabel != label)
            Fail("farmerLabel", "A 'right' verdict agrees with the model's answer; send no farmerLabel (or the same label).");
        else if (verdict == Wrong && farmerLabel is not null && !classes.Contains(farmerLabel))
            Fail("farmerLabel", $"'{farmerLabel}' is not a {model.Crop} class ({classList}); leave it empty for \"don't know\".");
        else if (verdict == Wrong && farmerLabel is not null && farmerLabel == label)
            Fail("farmerLabel", "A 'wrong' verdict cannot name the model's own answer as the right one.");

        if (errors.Count > 0) return (null, errors);
        return (new FeedbackSubmission(model.Crop, version, label!, confidence, severity, status!, verdict!,
            verdict == Right ? label : farmerLabel, photo), errors);
    }
}
