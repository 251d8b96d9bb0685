using CropVision.Core.Preprocessing;
using Google.Protobuf;
using Onnx;

namespace CropVision.Core.Models;

/// <summary>
/// A model version folder (manifest.json + head.onnx) joined with the backbone it names, composed into one ONNX graph.
/// Refuses a backbone whose SHA-256 differs from the one the head was trained on.
/// </summary>
public sealed class ModelPackage
{
    public string Folder { get; }
    public ModelManifest Manifest { get; }
    public ModelProto Composed { get; }

    private ModelPackage(string folder, ModelManifest manifest, ModelProto composed) => (Folder, Manifest, Composed) = (folder, manifest, composed);

    /// <param name="inference">Overrides the manifest's inference section (benchmarks comparing variants); null keeps it.</param>
    public static ModelPackage Load(string versionFolder, Backbone backbone, InferenceSpec? inference = null)
    {
        var manifest = ModelManifest.Read(versionFolder);
        if (inference is not null) manifest = manifest with { Inference = inference };
        if (!string.Equals(manifest.Backbone.Sha256, backbone.Sha256(), StringComparison.OrdinalIgnoreCase))
            throw new InvalidDataException($"{versionFolder} was trained on a backbone with SHA-256 {manifest.Backbone.Sha256}, but {backbone.Path} has {backbone.Sha256()}.");
        var headPath = Path.Combine(versionFolder, manifest.Head);
        if (!File.Exists(headPath)) throw new InvalidDataException($"{headPath} is missing.");
        ModelProto head;
        try { head = OnnxFile.Read(headPath); }
        catch (InvalidProtocolBufferException e) { throw new InvalidDataException($"{headPath} is not a valid ONNX file: {e.Message}", e); }
        var outputs = head.Graph.Output.Select(o => o.Name).ToHashSet();
        var missing = manifest.Tasks.Select(t => t.Output).Append(HeadParameters.DistanceOutput)
            .Concat(manifest.Calibration.LeafOutput is { } leaf ? [leaf] : []).Where(o => !outputs.Contains(o)).ToList();
        if (missing.Count > 0) throw new InvalidDataException($"{headPath} lacks the outputs {string.Join(", ", missing)} that the manifest names.");
        backbone = BackboneFor(versionFolder, manifest, backbone);
        if (manifest.Inference?.Int8Calibration is { } calibration)
            backbone = backbone.Quantized(Quantization.Int8Calibration.Read(Path.Combine(versionFolder, calibration)));
        var composed = GraphComposer.BuildComposed(backbone, manifest.Backbone.Layers, head, manifest.Preprocessing, Metadata(manifest));
        return new ModelPackage(versionFolder, manifest, composed);
    }

    /// <summary>
    /// The backbone a version runs on: the NuGet one, or (a fine-tuned version) the NuGet one with the version's tail
    /// weights swapped in. An int8 calibration of a fine-tuned version must have been measured on this backbone.
    /// </summary>
    public static Backbone BackboneFor(string versionFolder, ModelManifest manifest, Backbone backbone) =>
        manifest.Backbone.FineTunedTail is { } tail ? FineTunedTail.Apply(backbone, [.. tail.Select(part => Path.Combine(versionFolder, part))]) : backbone;

    /// <summary>What a stock ONNX Runtime user needs to feed and read the exported file.</summary>
    public static IEnumerable<KeyValuePair<string, string>> Metadata(ModelManifest m)
    {
        var p = m.Preprocessing;
        yield return new("cropvision.crop", m.Crop);
        yield return new("cropvision.version", m.Version.ToString(System.Globalization.CultureInfo.InvariantCulture));
        yield return new("cropvision.input",
            $"image: float32 [N, {p.ViewCount}, 3, {p.TileSize}, {p.TileSize}], RGB 0..255. Each image is resized to {p.ResizeWidth}x{p.ResizeHeight}, " +
            $"cut into {p.TileCount} tiles of {p.TileSize}px (left to right), and each tile is given once per flip in this order: {string.Join(", ", p.Flips)} " +
            "(views ordered flip-major, then tile). BGR conversion and mean subtraction happen inside the graph." +
            (p.CloseUpBelowAspect is { } a
                ? $" Views follow the photo's shape: when the upright photo's long side is under {a.ToString(System.Globalization.CultureInfo.InvariantCulture)} times its short side (a close-up), " +
                  $"its centred square is resized to {p.TileSize}x{p.TileSize} and every tile position holds that square, mirrored left-right in odd positions, " +
                  "each flip applied on top (never stretched to the wide shape)." +
                  (p.FramingByContent
                      ? " Except a near-square photo of a whole leaf on a plain background (at least 3 of its 4 corner patches, an eighth of each side, half nearly grey: " +
                        $"max-min of RGB <= {PlainBackground.ChromaAtMost}, max >= {PlainBackground.BrightAtLeast}): its leaf's box is grown to {p.ResizeWidth}:{p.ResizeHeight} and resized as a wide photo (CropVision.Core PlainBackground)."
                      : "")
                : ""));
        yield return new("cropvision.preprocessing", System.Text.Json.JsonSerializer.Serialize(p, ModelManifest.Json));
        yield return new("cropvision.primary_output", m.PrimaryOutput);
        foreach (var t in m.Tasks)
            yield return new($"cropvision.labels.{t.Output}", System.Text.Json.JsonSerializer.Serialize(t.Labels));
        yield return new("cropvision.calibration", System.Text.Json.JsonSerializer.Serialize(m.Calibration, ModelManifest.Json));
        if (m.TrainedOn is { } card) yield return new("cropvision.trained_on", System.Text.Json.JsonSerializer.Serialize(card, ModelManifest.Json));
        if (m.Calibration.LeafOutput is { } leafOutput) yield return new("cropvision.leaf_output", leafOutput);
        yield return new("cropvision.backbone", $"{m.Backbone.Package}, sha256 {m.Backbone.Sha256}" +
            (m.Backbone.FineTunedTail is { } tail ? $"; fine-tuned tail from {string.Join(" + ", tail)} ({m.Backbone.FineTunedDescription}) swapped in" : "") +
            (m.Inference?.Int8Calibration is { } c ? $"; int8 QDQ (BatchNormalization folded, per-channel int8 weights, uint8 activations from {c})" : ""));
        if (m.Inference?.EarlyExit is { } exit) yield return new("cropvision.early_exit", exit.Rule(m));
    }

    public byte[] ToBytes() => Composed.ToByteArray();
}
