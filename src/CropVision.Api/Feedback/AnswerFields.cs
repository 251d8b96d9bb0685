using System.Globalization;
using CropVision.Core.Models;
using CropVision.Serving.Registry;

namespace CropVision.Api.Feedback;

/// <summary>
/// The model answer a farmer form reports (<c>modelVersion</c>, <c>label</c>, <c>confidence</c>, <c>severity</c>,
/// <c>status</c>), checked against the served model: shared by feedback and answers made on the phone, which then check
/// their own fields with <see cref="Text"/> and <see cref="Fail"/>.
/// </summary>
public sealed class AnswerFields
{
    public static readonly string[] Statuses = ["ok", "uncertain", "rejected"];

    private readonly IDictionary<string, string> _fields;

    private AnswerFields(IDictionary<string, string> fields, ServedModel model)
    {
        _fields = fields;
        Classes = model.Manifest.Task(model.Manifest.PrimaryOutput).Labels;
        ClassList = string.Join(", ", Classes);
    }

    /// <summary>The errors by field name (for a 400 validation problem); empty when the form is valid.</summary>
    public Dictionary<string, string[]> Errors { get; } = [];
    public IReadOnlyList<string> Classes { get; }
    public string ClassList { get; }
    public int Version { get; private set; }
    public string? Label { get; private set; }
    public double Confidence { get; private set; }
    public string? Severity { get; private set; }
    public string? Status { get; private set; }

    public string? Text(string name) => _fields.TryGetValue(name, out var v) && !string.IsNullOrWhiteSpace(v) ? v.Trim() : null;
    public void Fail(string name, string message) => Errors[name] = [message];

    /// <summary>Reads the answer; <paramref name="versionOf"/> and <paramref name="labelOf"/> name whose answer it is in the messages.</summary>
    public static AnswerFields Read(IDictionary<string, string> fields, ServedModel model, IReadOnlyList<int> availableVersions, string versionOf, string labelOf)
    {
        var a = new AnswerFields(fields, model);
        if (!int.TryParse(a.Text("modelVersion"), NumberStyles.None, CultureInfo.InvariantCulture, out var version))
            a.Fail("modelVersion", $"The model version {versionOf} is required (a whole number).");
        else if (version != model.Version && !availableVersions.Contains(version))
            a.Fail("modelVersion", $"Version {version} of the {model.Crop} model does not exist (serving: {model.Version}).");
        a.Version = version;

        a.Label = a.Text("label");
        if (a.Label is null) a.Fail("label", $"{labelOf} (label) is required.");
        else if (!a.Classes.Contains(a.Label)) a.Fail("label", $"'{a.Label}' is not a {model.Crop} class ({a.ClassList}).");

        if (!double.TryParse(a.Text("confidence"), NumberStyles.Float, CultureInfo.InvariantCulture, out var confidence) || confidence is < 0 or > 1 || double.IsNaN(confidence))
            a.Fail("confidence", "The answer's confidence is required, a number from 0 to 1.");
        a.Confidence = confidence;

        var severities = model.Manifest.Tasks.FirstOrDefault(t => t.Output == TaskNames.Severity)?.Labels ?? [];
        a.Severity = a.Text("severity");
        if (a.Severity is not null && !severities.Contains(a.Severity))
            a.Fail("severity", $"'{a.Severity}' is not a severity grade ({string.Join(", ", severities)}).");

        a.Status = a.Text("status")?.ToLowerInvariant();
        if (a.Status is null || !Statuses.Contains(a.Status)) a.Fail("status", $"The answer's status is required: {string.Join(", ", Statuses)}.");
        return a;
    }
}
