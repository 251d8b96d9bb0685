using System.CommandLine;
using CropVision.Core.Models;
using CropVision.Training.Console;
using Spectre.Console;

namespace CropVision.Training.Commands;

public static class ExportCommand
{
    public static Command Create()
    {
        var model = ModelOption.Create();
        var output = new Option<FileInfo>("--out") { Description = "The standalone .onnx file to write", Required = true };
        var command = new Command("export", "Write the composed model (preprocessing, backbone, head) as one ONNX file that stock ONNX Runtime runs") { model, output };
        command.SetAction((result, cancellation) => Task.FromResult(ConsoleErrors.Guard(() =>
        {
            var folder = ModelRepository.ResolveVersionFolder(result.GetValue(model)!);
            var package = ModelPackage.Load(folder, Backbone.Load());
            var file = result.GetValue(output)!;
            file.Directory?.Create();
            ModelVersionWriter.WriteFileAtomically(file.FullName, temp => File.WriteAllBytes(temp, package.ToBytes()));
            var m = package.Manifest;
            AnsiConsole.MarkupLine($"[green]Exported[/] {ModelOption.Name(m)} to {Markup.Escape(file.FullName)} ({new FileInfo(file.FullName).Length / 1e6:F1} MB)");
            // Plain text: shapes contain brackets, which are markup to Spectre.
            AnsiConsole.WriteLine($"input  image: float32 [N, {m.Preprocessing.ViewCount}, 3, {m.Preprocessing.TileSize}, {m.Preprocessing.TileSize}] (RGB 0..255; see metadata 'cropvision.input')");
            foreach (var t in m.Tasks) AnsiConsole.WriteLine($"output {t.Output}: [N, {t.Labels.Count}] {string.Join(", ", t.Labels)}");
            AnsiConsole.WriteLine($"output {HeadParameters.DistanceOutput}: [N, 1], features: [N, {m.Backbone.FeatureSize}]");
            if (m.Inference?.Int8Calibration is not null) AnsiConsole.WriteLine("backbone: int8 QDQ (QuantizeLinear/DequantizeLinear, opset 13), rebuilt from the NuGet backbone and " + m.Inference.Int8Calibration);
            if (m.Inference?.EarlyExit is { } exit) AnsiConsole.WriteLine($"early exit (metadata 'cropvision.early_exit'): {exit.Rule(m)}");
            return 0;
        })));
        return command;
    }
}
