using System.CommandLine;
using System.Globalization;
using CropVision.Core.Models;
using CropVision.Core.Preprocessing;
using CropVision.FineTuning.Training;
using CropVision.Learning.Data;
using CropVision.Learning.Features;
using CropVision.Learning.Heads;
using CropVision.Training.Console;
using Spectre.Console;

namespace CropVision.Training.Commands;

public static class TrainCommand
{
    public static Command Create()
    {
        var data = new Option<DirectoryInfo[]>("--data") { Description = "Folder with one sub-folder of photos per class, optionally labels.csv; repeat for several sources (each task is fitted on the rows that carry it)", Required = true };
        var negatives = new Option<DirectoryInfo[]>("--negatives") { Description = "Folder of photos that are NOT leaves of this crop (e.g. flowers), any layout; repeatable. Teaches and calibrates 'rejected'" };
        var otherCrops = new Option<DirectoryInfo[]>("--other-crops") { Description = "Folder of other crops' leaves (any layout); repeatable. Trains the leaf output like --negatives, but such a leaf gets 'uncertain' and only what is surely not a leaf 'rejected'" };
        var augment = new Option<int>("--augment") { Description = "Seeded, cached augmented copies (crops, rotations, colour, blur, JPEG, downscale) per training photo", DefaultValueFactory = _ => 0 };
        var closeUp = new Option<double>("--close-up-below") { Description = "Photos whose long side is under this many times the short side are close-ups: their centred square is used, never stretched (0: stretch every photo, as model 1)", DefaultValueFactory = _ => 1.5 };
        var framing = new Option<string>("--framing") { Description = "How a near-square photo is framed: content (a whole leaf on a plain background, e.g. a phone's 4:3 photo on paper, gets whole-leaf views cut from the leaf's box; anything else is a close-up) or shape (every near-square photo is a close-up, as coffee/2-4)", DefaultValueFactory = _ => "content" };
        framing.AcceptOnlyFromAmong("content", "shape");
        var trainedOn = new Option<FileInfo?>("--trained-on") { Description = "Model card: JSON file {\"en\": ..., \"vi\": ...} saying what the model was trained on (species, country, framing)" };
        var crop = new Option<string>("--crop") { Description = "Crop name, e.g. coffee, rubber, ginseng", Required = true };
        var output = new Option<DirectoryInfo?>("--out") { Description = "Crop model folder to add a version to (default models/<crop>)" };
        var layers = new Option<string>("--layers") { Description = "Backbone layers whose pooled activations are the features", DefaultValueFactory = _ => "layer3,layer4" };
        var resize = new Option<string>("--resize") { Description = "Resize to WxH before cutting 224px tiles (448x224: a 2:1 leaf as two tiles)", DefaultValueFactory = _ => "448x224" };
        var flips = new Option<string>("--flips") { Description = "Views per tile: none,horizontal,vertical,both", DefaultValueFactory = _ => "none,both" };
        var l2 = new Option<string>("--l2") { Description = "L2 strengths to try; each task keeps the best on val", DefaultValueFactory = _ => "4,16,64,256" };
        var seed = new Option<int>("--seed") { Description = "Seed for the split of unlabelled images and for training", DefaultValueFactory = _ => 42 };
        var cache = new Option<DirectoryInfo?>("--cache") { Description = $"Feature cache folder (default {FeatureCache.DefaultRoot}; env CROPVISION_CACHE)" };
        var stressWeights = new Option<string>("--stress-weights") { Description = "Weight the main stress's training rows: none, or framing-class (every framing x class pair has the same say, so a class rare among whole leaves is not drowned by close-ups)", DefaultValueFactory = _ => "none" };
        stressWeights.AcceptOnlyFromAmong("none", "framing-class");
        var noCache = new Option<bool>("--no-cache") { Description = "Compute every feature afresh" };
        var fineTune = new Option<bool>("--fine-tune") { Description = "First fine-tune the backbone's tail (layer3's second block and layer4, TorchSharp, from cached layer3 maps) with a main-stress head, early stopping on val; then fit every head on the fine-tuned features. The version holds the tail as tail-1.onnx, tail-2.onnx, ... (each under 5 MB)" };
        var fineEpochs = new Option<int>("--fine-tune-epochs") { Description = "Most fine-tune epochs", DefaultValueFactory = _ => 10 };
        var finePatience = new Option<int>("--fine-tune-patience") { Description = "Stop after this many epochs without a lower val loss (the best epoch is kept)", DefaultValueFactory = _ => 2 };
        var fineBatch = new Option<int>("--fine-tune-batch") { Description = "Photos (flip groups) per fine-tune step", DefaultValueFactory = _ => 16 };
        var fineLr = new Option<double>("--fine-tune-lr") { Description = "Adam learning rate of the tail", DefaultValueFactory = _ => 1e-4 };
        var fineHeadLr = new Option<double>("--fine-tune-head-lr") { Description = "Adam learning rate of the fine-tune's main-stress head", DefaultValueFactory = _ => 1e-3 };
        var fineStressOnly = new Option<bool>("--fine-tune-stress-only") { Description = "Fine-tune with the main-stress head alone (by default a severity head is trained beside it on whole leaves with a grade)" };
        var fineThreads = new Option<int>("--fine-tune-threads") { Description = "LibTorch threads for the fine-tune (default: all cores)", DefaultValueFactory = _ => Environment.ProcessorCount };

        var command = new Command("train", "Train a model version from labelled leaf photos and write it with its validation report")
        {
            data, negatives, otherCrops, crop, output, layers, resize, flips, closeUp, framing, augment, trainedOn, l2, stressWeights, seed, cache, noCache,
            fineTune, fineEpochs, finePatience, fineBatch, fineLr, fineHeadLr, fineStressOnly, fineThreads,
        };
        command.SetAction((result, ct) => Task.FromResult(ConsoleErrors.Guard(() =>
        {
            var cropName = result.GetValue(crop)!.Trim().ToLowerInvariant();
            var options = new TrainOptions
            {
                DataFolders = [.. result.GetValue(data)!.Select(d => d.FullName)],
                NegativeFolders = [.. (result.GetValue(negatives) ?? []).Select(d => d.FullName)],
                OtherCropFolders = [.. (result.GetValue(otherCrops) ?? []).Select(d => d.FullName)],
                Augment = result.GetValue(augment),
                TrainedOn = result.GetValue(trainedOn) is { } card ? ReadCard(card) : null,
                Crop = cropName,
                OutFolder = result.GetValue(output)?.FullName ?? Path.Combine("models", cropName),
                Layers = Parse.List(result.GetValue(layers)!),
                Preprocessing = new PreprocessingSpec
                {
                    ResizeWidth = Parse.Size(result.GetValue(resize)!).Width,
                    ResizeHeight = Parse.Size(result.GetValue(resize)!).Height,
                    Flips = [.. Parse.List(result.GetValue(flips)!).Select(Parse.Flip)],
                    CloseUpBelowAspect = result.GetValue(closeUp) is > 0 and var a ? a : null,
                    FramingByContent = result.GetValue(closeUp) > 0 && result.GetValue(framing) == "content",
                },
                L2Grid = [.. Parse.List(result.GetValue(l2)!).Select(v => float.Parse(v, CultureInfo.InvariantCulture)).Order()],
                Seed = result.GetValue(seed),
                StressWeights = result.GetValue(stressWeights) == "framing-class" ? StressWeighting.FramingClass : StressWeighting.None,
                CacheRoot = result.GetValue(noCache) ? null : result.GetValue(cache)?.FullName ?? FeatureCache.DefaultRoot,
            };
            var fine = new FineTuneOptions
            {
                MaxEpochs = result.GetValue(fineEpochs), Patience = result.GetValue(finePatience), BatchSize = result.GetValue(fineBatch),
                TailLearningRate = result.GetValue(fineLr), HeadLearningRate = result.GetValue(fineHeadLr), Threads = result.GetValue(fineThreads), Seed = options.Seed,
                LearnSeverity = !result.GetValue(fineStressOnly),
            };
            if (fine.MaxEpochs < 1 || fine.Patience < 1 || fine.BatchSize < 1 || fine.Threads < 1)
                throw new DatasetException("--fine-tune-epochs, --fine-tune-patience, --fine-tune-batch and --fine-tune-threads must be at least 1.");
            var trained = result.GetValue(fineTune)
                ? SpectreProgress.Run(p => FineTuneStage.Train(options, fine, p, ct))
                : SpectreProgress.Run(p => new ModelTrainer(p).Train(options, ct));
            ResultTables.Print(trained.ValReport);
            AnsiConsole.MarkupLine($"[green]Model written to[/] {Markup.Escape(trained.VersionFolder)} (report: {Markup.Escape(Path.Combine(trained.VersionFolder, "report.html"))})");
            if (trained.Skipped.Count > 0) AnsiConsole.MarkupLine($"[yellow]{trained.Skipped.Count} unreadable image(s) were skipped; they are listed above and in the manifest.[/]");
            return 0;
        })));
        return command;
    }

    /// <summary>Reads the model card file; both languages are required so the farmer page never shows half a card.</summary>
    private static LocalizedText ReadCard(FileInfo file)
    {
        if (!file.Exists) throw new FileNotFoundException($"The model card '{file.FullName}' does not exist.");
        try
        {
            var card = System.Text.Json.JsonSerializer.Deserialize<LocalizedText>(File.ReadAllText(file.FullName), ModelManifest.Json);
            if (card is null || string.IsNullOrWhiteSpace(card.En) || string.IsNullOrWhiteSpace(card.Vi))
                throw new DatasetException($"{file.FullName} needs both \"en\" and \"vi\" texts.");
            return card;
        }
        catch (System.Text.Json.JsonException e) { throw new DatasetException($"{file.FullName} is not valid JSON: {e.Message}"); }
    }
}
