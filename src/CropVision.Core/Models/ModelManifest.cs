using System.Text.Json;
using System.Text.Json.Serialization;
using CropVision.Core.Preprocessing;

namespace CropVision.Core.Models;

/// <summary>What one output of the model predicts.</summary>
public sealed record TaskSpec
{
    public const string SingleLabel = "single-label";
    public const string MultiLabel = "multi-label";
    /// <summary>Output tensor name in the graph.</summary>
    public required string Output { get; init; }
    public required string Kind { get; init; }
    public required IReadOnlyList<string> Labels { get; init; }
    public string? Description { get; init; }
    /// <summary>
    /// The framings this output was trained on (e.g. severity only on whole leaves); for a photo of another framing it
    /// is not shown. Null: every framing (and always for the primary output).
    /// </summary>
    public IReadOnlyList<Framing>? Framings { get; init; }

    public bool AppliesTo(Framing framing) => Framings is null || Framings.Contains(framing);
}

public sealed record BackboneSpec
{
    public required string File { get; init; }
    public required string Sha256 { get; init; }
    public required string Package { get; init; }
    public required IReadOnlyList<string> Layers { get; init; }
    public required int FeatureSize { get; init; }
    /// <summary>
    /// A fine-tuned backbone tail in the version folder: its part files in order (<see cref="FineTunedTail"/>: int8
    /// changes added to the NuGet backbone named by <see cref="Sha256"/> at load). Written as a JSON array; the single
    /// string of older manifests reads as a one-element list. Absent: the NuGet backbone as it is.
    /// </summary>
    [JsonConverter(typeof(StringOrListConverter))]
    public IReadOnlyList<string>? FineTunedTail { get; init; }
    /// <summary>What the tail file covers and how it is stored, for people (e.g. "layer3.1 + layer4, fp16").</summary>
    public string? FineTunedDescription { get; init; }
}

/// <summary>Thresholds fitted on validation data at training time; the service reads them, never a constant in code.</summary>
public sealed record CalibrationSpec
{
    /// <summary>Below this top probability the answer is "uncertain".</summary>
    public required double UncertainBelow { get; init; }
    /// <summary>
    /// The same, calibrated per framing (whole leaves and close-ups are not equally confident); absent in older
    /// manifests, and for a framing it does not name <see cref="UncertainBelow"/> applies.
    /// </summary>
    public IReadOnlyDictionary<Framing, double>? UncertainBelowBy { get; init; }

    public double UncertainThreshold(Framing framing) =>
        UncertainBelowBy is { } by && by.TryGetValue(framing, out var t) ? t : UncertainBelow;
    /// <summary>
    /// Temperature the primary output's logits are divided by before the softmax, baked into head.onnx (informational:
    /// the graph applies it). Absent: none.
    /// </summary>
    public double? Temperature { get; init; }
    /// <summary>What the calibration measured while choosing thresholds (e.g. a target it could not meet).</summary>
    public IReadOnlyList<string>? Notes { get; init; }
    /// <summary>Above this out-of-distribution distance the photo is "rejected" (does not look like a leaf of this crop).</summary>
    public required double RejectAbove { get; init; }
    public required string Method { get; init; }
    /// <summary>Share of validation leaves that these thresholds reject or mark uncertain (measured).</summary>
    public double ValRejectedRate { get; init; }
    public double ValUncertainRate { get; init; }
    /// <summary>
    /// The head output (one sigmoid) giving the probability that the photo is a leaf of this crop, learned from negative
    /// photos; below <see cref="LeafBelow"/> the photo is "rejected". Absent in models without negatives (e.g. coffee/1).
    /// </summary>
    public string? LeafOutput { get; init; }
    public double? LeafBelow { get; init; }
    /// <summary>
    /// Above <see cref="LeafBelow"/> but below this leaf probability the photo is "uncertain": a leaf, perhaps of
    /// another crop (calibrated with other crops' leaves, <c>calibrate --other-crops</c>), that gets no confident answer
    /// and is not called "not a leaf" either. Absent: no such band.
    /// </summary>
    public double? LeafUncertainBelow { get; init; }
    /// <summary>Measured on val with these thresholds: share rejected per group (e.g. "leaves whole", "leaves close-up", "not leaves").</summary>
    public IReadOnlyDictionary<string, double>? ValRejectedBy { get; init; }
}

/// <summary>A short text in English and Vietnamese (the languages the service answers in).</summary>
public sealed record LocalizedText(string En, string Vi);

/// <summary>One data folder a model was trained from, and what it contributed.</summary>
public sealed record SourceInfo
{
    public required string Name { get; init; }
    public required string Folder { get; init; }
    public required string Fingerprint { get; init; }
    /// <summary>"labelled" (class folders and labels.csv) or "negatives" (photos that are not leaves of this crop).</summary>
    public required string Kind { get; init; }
    public required IReadOnlyDictionary<string, int> ImagesPerSplit { get; init; }
    public IReadOnlyDictionary<string, int> ImagesPerClass { get; init; } = new Dictionary<string, int>();
    /// <summary>The task outputs this source's rows were fitted on (a task is fitted only on the rows that carry it).</summary>
    public IReadOnlyList<string> Tasks { get; init; } = [];
    public int AugmentedTrainImages { get; init; }
}

public sealed record TrainingInfo
{
    public required string DataFolder { get; init; }
    public required string DataFingerprint { get; init; }
    public required IReadOnlyDictionary<string, int> ImagesPerSplit { get; init; }
    public required IReadOnlyDictionary<string, int> ImagesPerClass { get; init; }
    public IReadOnlyList<string> SkippedImages { get; init; } = [];
    public required IReadOnlyDictionary<string, double> Hyperparameters { get; init; }
    public required string Selection { get; init; }
    public required int Seed { get; init; }
    public double Seconds { get; init; }
    /// <summary>Every data folder of a multi-source run (absent in older manifests, which name one folder above).</summary>
    public IReadOnlyList<SourceInfo>? Sources { get; init; }
    /// <summary>How the training photos were augmented (absent: no augmentation beyond the test-time flips).</summary>
    public string? Augmentation { get; init; }
}

/// <summary>
/// manifest.json of a model version folder <c>models/&lt;crop&gt;/&lt;version&gt;/</c>: everything needed to rebuild and
/// run the model exactly as it was trained, and how good it was measured to be.
/// </summary>
public sealed record ModelManifest
{
    public const string FileName = "manifest.json";
    public const int CurrentFormat = 1;

    public int Format { get; init; } = CurrentFormat;
    public required string Crop { get; init; }
    public required int Version { get; init; }
    /// <summary>Model card: what the model was trained on (species, country, framing), for the people who use it. Absent in older manifests.</summary>
    public LocalizedText? TrainedOn { get; init; }
    public required DateTimeOffset CreatedUtc { get; init; }
    public required IReadOnlyList<TaskSpec> Tasks { get; init; }
    /// <summary>Output whose top class is the answer (the leaf's main stress).</summary>
    public required string PrimaryOutput { get; init; }
    public required PreprocessingSpec Preprocessing { get; init; }
    public required BackboneSpec Backbone { get; init; }
    /// <summary>The head ONNX file, relative to the version folder.</summary>
    public string Head { get; init; } = "head.onnx";
    public required CalibrationSpec Calibration { get; init; }
    /// <summary>How the model is run (int8 backbone, early exit); absent: fp32, every view of every photo.</summary>
    public InferenceSpec? Inference { get; init; }
    public required TrainingInfo Training { get; init; }
    /// <summary>Evaluation results by data split name (e.g. "val"), as written by the training console.</summary>
    public IReadOnlyDictionary<string, JsonElement> Metrics { get; init; } = new Dictionary<string, JsonElement>();

    public TaskSpec Task(string output) => Tasks.Single(t => t.Output == output);

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static ModelManifest Read(string versionFolder)
    {
        var path = Path.Combine(versionFolder, FileName);
        if (!File.Exists(path)) throw new InvalidDataException($"{path} is missing.");
        ModelManifest? m;
        try { m = JsonSerializer.Deserialize<ModelManifest>(File.ReadAllText(path), Json); }
        catch (JsonException e) { throw new InvalidDataException($"{path} is not a valid manifest: {e.Message}", e); }
        if (m is null) throw new InvalidDataException($"{path} is empty.");
        if (m.Format > CurrentFormat) throw new InvalidDataException($"{path} has format {m.Format}; this build reads up to {CurrentFormat}.");
        m.Preprocessing.Validate();
        if (!m.Tasks.Any(t => t.Output == m.PrimaryOutput)) throw new InvalidDataException($"{path}: primary output '{m.PrimaryOutput}' is not one of the tasks.");
        return m;
    }

    public void Write(string versionFolder) =>
        File.WriteAllText(Path.Combine(versionFolder, FileName), JsonSerializer.Serialize(this, Json) + "\n");
}

/// <summary>A list of strings written as a JSON array, read from an array or from a single string (a one-element list).</summary>
internal sealed class StringOrListConverter : JsonConverter<IReadOnlyList<string>>
{
    public override IReadOnlyList<string> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
    {
        JsonTokenType.String => [reader.GetString()!],
        JsonTokenType.StartArray => JsonSerializer.Deserialize<List<string>>(ref reader, options) ?? [],
        _ => throw new JsonException($"Expected a string or an array of strings, found {reader.TokenType}."),
    };

    public override void Write(Utf8JsonWriter writer, IReadOnlyList<string> value, JsonSerializerOptions options) =>
        JsonSerializer.Serialize(writer, value.ToArray(), options);
}
