using System.CommandLine;
using CropVision.Core.Models;
using CropVision.Core.Models.Quantization;
using CropVision.Core.Preprocessing;
using CropVision.Learning.Data;
using CropVision.Training.Console;
using Spectre.Console;

namespace CropVision.Training.Commands;

/// <summary>
/// Measures the int8 calibration (activation ranges) of a model's backbone on TRAINING-split photos, through the
/// model's own preprocessing, and writes it as small JSON; the int8 graph is rebuilt from it at load and export.
/// </summary>
public static class QuantizeCommand
{
    public static Command Create()
    {
        var model = ModelOption.Create();
        var data = new Option<DirectoryInfo[]>("--data") { Description = "Labelled folder(s); only their train split is read", Required = true };
        var images = new Option<int>("--images") { Description = "Training photos to calibrate on, spread evenly over the sources", DefaultValueFactory = _ => 96 };
        var percentile = new Option<double?>("--percentile") { Description = "Clip each activation at this percentile (mean over photos), e.g. 99.99; absent: min/max" };
        var reduceRange = new Option<bool>("--reduce-range") { Description = "7-bit weights (-63..63), for CPUs without VNNI where int8 x uint8 sums can saturate" };
        var output = new Option<FileInfo>("--out") { Description = "Calibration JSON to write (e.g. models/coffee/3/int8-calibration.json)", Required = true };
        var command = new Command("quantize", "Calibrate the int8 backbone on training photos and write its scales and zero points") { model, data, images, percentile, reduceRange, output };
        command.SetAction((result, ct) => Task.FromResult(ConsoleErrors.Guard(() =>
        {
            var folder = ModelRepository.ResolveVersionFolder(result.GetValue(model)!);
            var manifest = ModelManifest.Read(folder);
            var sources = result.GetValue(data)!.Select(d => LabelledDataset.Load(d.FullName)).ToList();
            int want = result.GetValue(images);
            if (want < 1) throw new DatasetException("--images must be at least 1.");
            var chosen = CalibrationPhotos(sources, want);
            // A fine-tuned version is calibrated on its own weights.
            var backbone = ModelPackage.BackboneFor(folder, manifest, Backbone.Load());
            var spec = manifest.Preprocessing;
            Int8Calibration calibration = null!;
            AnsiConsole.Progress().Start(ctx =>
            {
                var task = ctx.AddTask($"Calibrating on {chosen.Count} training photos", maxValue: chosen.Count);
                var tensors = chosen.Select(path => { ct.ThrowIfCancellationRequested(); return ImagePreprocessor.Preprocess(File.ReadAllBytes(path), spec); });
                calibration = Int8Calibrator.Calibrate(backbone, tensors, spec.ViewCount, result.GetValue(percentile), CalibrationData(sources),
                    result.GetValue(reduceRange), () => task.Increment(1));
            });
            var file = result.GetValue(output)!;
            file.Directory?.Create();
            ModelVersionWriter.WriteFileAtomically(file.FullName, calibration.Write);
            AnsiConsole.MarkupLine($"[green]Wrote[/] {Markup.Escape(file.FullName)}: {calibration.Activations.Count} activation tensors, {Markup.Escape(calibration.Method)}, {calibration.Images} photos");
            return 0;
        })));
        return command;
    }

    /// <summary>Every k-th training photo of each source in path order: deterministic, and spread over classes and framings.</summary>
    public static List<string> CalibrationPhotos(IReadOnlyList<LabelledDataset> sources, int want) =>
        [.. sources.SelectMany(s =>
        {
            var train = s.In(Split.Train).OrderBy(i => i.RelativePath, StringComparer.Ordinal).ToList();
            int take = Math.Min(train.Count, (want + sources.Count - 1) / sources.Count);
            return Enumerable.Range(0, take).Select(k => train[k * train.Count / take].FullPath(s.Root));
        })];

    public static string CalibrationData(IEnumerable<LabelledDataset> sources) =>
        $"train split of {string.Join(", ", sources.Select(s => Path.GetFileName(s.Root)))}, every k-th photo in path order";
}
