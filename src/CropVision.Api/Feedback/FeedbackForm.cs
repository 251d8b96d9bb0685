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
    public static readonly string[] Statuses = AnswerFields.Statuses;

    /// <summary>The submission, or the errors by field name (for a 400 validation problem).</summary>
    public static (FeedbackSubmission? Submission, Dictionary<string, string[]> Errors) Validate(
        IDictionary<string, string> fields, byte[] photo, ServedModel model, IReadOnlyList<int> availableVersions)
    {
        var a = AnswerFields.Read(fields, model, availableVersions, "the answer came from", "The model's answer");
        string? Text(string name) => a.Text(name);
        void Fail(string name, string message) => a.Fail(name, message);
        var (classes, classList, label) = (a.Classes, a.ClassList, a.Label);

        var verdict = Text("verdict")?.ToLowerInvariant();
        var farmerLabel = Text("farmerLabel");
        if (verdict is not (Right or Wrong)) Fail("verdict", $"The verdict is required: {Right} or {Wrong}.");
        else if (verdict == Right && farmerLabel is not null && farmerLabel != label)
            Fail("farmerLabel", "A 'right' verdict agrees with the model's answer; send no farmerLabel (or the same label).");
        else if (verdict == Wrong && farmerLabel is not null && !classes.Contains(farmerLabel))
            Fail("farmerLabel", $"'{farmerLabel}' is not a {model.Crop} class ({classList}); leave it empty for \"don't know\".");
        else if (verdict == Wrong && farmerLabel is not null && farmerLabel == label)
            Fail("farmerLabel", "A 'wrong' verdict cannot name the model's own answer as the right one.");

        if (a.Errors.Count > 0) return (null, a.Errors);
        return (new FeedbackSubmission(model.Crop, a.Version, label!, a.Confidence, a.Severity, a.Status!, verdict!,
            verdict == Right ? label : farmerLabel, photo), a.Errors);
    }
}
