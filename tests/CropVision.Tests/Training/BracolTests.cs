using CropVision.Core.Inference;
using CropVision.Core.Models;
using CropVision.Core.Preprocessing;
using CropVision.Learning.Data;
using CropVision.Tests.Support;

namespace CropVision.Tests.Training;

/// <summary>Checks against the real BRACOL photos and the committed coffee model. Skipped, with the reason, where the dataset is absent.</summary>
[Trait("Category", "Training")]
public class BracolTests
{
    private static string CommittedCoffee => Path.Combine(SharedData.RepositoryRoot, "models", "coffee");

    [BracolFact]
    public void Dataset_reads_with_the_authors_split_and_multi_label_flags()
    {
        var ds = LabelledDataset.Load(SharedData.Bracol);
        Assert.Equal(["cercospora", "healthy", "miner", "phoma", "rust"], ds.Classes);
        Assert.Equal(["miner", "rust", "phoma", "cercospora"], ds.FlagNames);
        Assert.Equal(1180, ds.In(Split.Train).Count());
        Assert.Equal(253, ds.In(Split.Val).Count());
        Assert.Equal(276, ds.Images.Count(i => i.Flags!.Values.Count(v => v) > 1)); // leaves with several stresses in train+val
        Assert.All(ds.Images, i => Assert.InRange(i.Severity ?? -1, 0, 4));
    }

    [BracolFact]
    public void Training_and_serving_preprocess_a_real_photo_identically()
    {
        // Both call ImagePreprocessor; this pins that the manifest's spec round-trips so they are given the same settings.
        var manifest = ModelManifest.Read(ModelRepository.ResolveVersionFolder(CommittedCoffee));
        var photo = File.ReadAllBytes(Path.Combine(SharedData.Bracol, "rust", Directory.GetFiles(Path.Combine(SharedData.Bracol, "rust"))[0]));
        var atTraining = ImagePreprocessor.Preprocess(photo, new PreprocessingSpec { Flips = manifest.Preprocessing.Flips, ResizeWidth = manifest.Preprocessing.ResizeWidth, ResizeHeight = manifest.Preprocessing.ResizeHeight, CloseUpBelowAspect = manifest.Preprocessing.CloseUpBelowAspect });
        var atServing = ImagePreprocessor.Preprocess(photo, manifest.Preprocessing);
        Assert.Equal(atTraining, atServing);
    }

    /// <summary>Every committed version, coffee/1 included (it must still load and serve when pinned).</summary>
    [BracolFact]
    public void Committed_coffee_models_diagnose_val_leaves()
    {
        foreach (var version in ModelRepository.Versions(CommittedCoffee))
            DiagnosesValLeaves(Path.Combine(CommittedCoffee, version.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }

    private static void DiagnosesValLeaves(string folder)
    {
        using var model = CropModel.Load(folder, Backbone.Load());
        var ds = LabelledDataset.Load(SharedData.Bracol);
        // Ten val leaves per class, in a fixed order: enough to catch a broken model, cheap enough for CI.
        var sample = ds.In(Split.Val).GroupBy(i => i.Class).SelectMany(g => g.Take(10)).ToList();
        int right = 0, rejected = 0;
        foreach (var image in sample)
        {
            var output = model.Predict(File.ReadAllBytes(image.FullPath(ds.Root)));
            if (Verdict.Ranked(output, model.Manifest.Task("stress"))[0].Label == image.Class) right++;
            if (Verdict.IsRejected(output, model.Manifest.Calibration)) rejected++;
        }
        Assert.True(right >= 0.8 * sample.Count, $"{folder}: {right}/{sample.Count} right");
        Assert.True(rejected <= 2, $"{folder}: {rejected} real leaves rejected as not-a-leaf");
    }

    /// <summary>The newest model holds up on close-ups and rejects flowers (val photos; a few per class, for CI).</summary>
    [CoffeeSourcesFact]
    public void Newest_coffee_model_takes_close_ups_and_rejects_flowers()
    {
        var folder = ModelRepository.ResolveVersionFolder(CommittedCoffee);
        using var model = CropModel.Load(folder, Backbone.Load());
        if (model.Manifest.Calibration.LeafOutput is null) return; // coffee/1 alone: nothing of this to check
        var datasets = Path.GetDirectoryName(SharedData.Bracol)!;
        var symptoms = LabelledDataset.Load(Path.Combine(datasets, "bracol-symptom"));
        var closeUps = symptoms.In(Split.Val).GroupBy(i => i.Class).SelectMany(g => g.Take(6)).ToList();
        int right = 0, rejected = 0;
        foreach (var image in closeUps)
        {
            var bytes = File.ReadAllBytes(image.FullPath(symptoms.Root));
            var output = model.Predict(bytes);
            if (Verdict.Ranked(output, model.Manifest.Task("stress"))[0].Label == image.Class) right++;
            if (Verdict.IsRejected(output, model.Manifest.Calibration)) rejected++;
        }
        Assert.True(right >= 0.6 * closeUps.Count, $"{right}/{closeUps.Count} close-ups right");
        Assert.True(rejected <= 3, $"{rejected}/{closeUps.Count} close-ups rejected");

        var flowers = LabelledDataset.LoadNegatives(Path.Combine(datasets, "not-leaf")).In(Split.Val).Take(20).ToList();
        int flowersRejected = flowers.Count(f => Verdict.IsRejected(model.Predict(File.ReadAllBytes(f.FullPath(Path.Combine(datasets, "not-leaf")))), model.Manifest.Calibration));
        Assert.True(flowersRejected >= 16, $"{flowersRejected}/20 flowers rejected");
    }
}
