using CropVision.Core.Models;
using CropVision.Core.Preprocessing;
using CropVision.Learning.Augmentation;
using CropVision.Learning.Features;
using CropVision.Tests.Support;
using SkiaSharp;

namespace CropVision.Tests.Training;

/// <summary>Augmented copies are seeded: the same seed gives the same bytes, tensor and cached features.</summary>
[Trait("Category", "Fast")]
public class AugmentationTests
{
    private static readonly PreprocessingSpec Spec = new() { Flips = [Flip.None, Flip.Both], CloseUpBelowAspect = 1.5 };

    [Fact]
    public void Same_seed_same_bytes_and_tensor_other_seed_other_bytes()
    {
        var leaf = TestImages.Leaf(7, new SKColor(240, 150, 20), 12);
        var a = Augmenter.Augment(leaf, 123, Spec);
        var b = Augmenter.Augment(leaf, 123, Spec);
        Assert.Equal(a, b);
        Assert.Equal(ImagePreprocessor.Preprocess(a, Spec), ImagePreprocessor.Preprocess(b, Spec));
        Assert.NotEqual(a, Augmenter.Augment(leaf, 124, Spec));
        Assert.Equal(ImageFormat.Jpeg, ImageFormatSniffer.Sniff(a));
    }

    [Fact]
    public void A_close_up_copy_of_a_whole_leaf_is_a_near_square_crop_of_leaf_not_paper()
    {
        var leaf = TestImages.Leaf(8, new SKColor(60, 30, 10), 12);
        int closeUps = 0;
        for (int seed = 0; seed < 12; seed++)
        {
            var copy = Augmenter.Augment(leaf, seed, Spec);
            using var bmp = ImageDecoder.DecodeUpright(copy, 1024, 1024);
            if (Augmenter.KindOf(seed, wideSource: true) == AugmentedKind.Whole)
            {
                Assert.Equal(Framing.Wide, Spec.FramingOf(bmp.Width, bmp.Height));
                continue;
            }
            closeUps++;
            Assert.Equal(Framing.CloseUp, Spec.FramingOf(bmp.Width, bmp.Height));
            Assert.True(Math.Max(bmp.Width, bmp.Height) <= 256);
            // Mostly leaf: the centre pixel is not the white paper.
            var centre = bmp.GetPixel(bmp.Width / 2, bmp.Height / 2);
            Assert.False(centre.Red > 215 && centre.Green > 215 && centre.Blue > 215, $"seed {seed}: centre is paper");
        }
        Assert.InRange(closeUps, 6, 12);
    }

    [Fact]
    public void With_framing_by_content_some_whole_leaf_copies_come_in_a_phones_4_3_or_3_4_frame_and_stay_whole_leaves()
    {
        var byContent = Spec with { FramingByContent = true };
        var leaf = TestImages.Leaf(8, new SKColor(60, 30, 10), 12);
        int reframed = 0;
        for (int seed = 0; seed < 24; seed++)
        {
            if (Augmenter.KindOf(seed, wideSource: true, reframe: true) != AugmentedKind.Reframed) continue;
            reframed++;
            var copy = Augmenter.Augment(leaf, seed, byContent);
            using var bmp = ImageDecoder.DecodeUpright(copy, 2048, 2048);
            int longSide = Math.Max(bmp.Width, bmp.Height), shortSide = Math.Min(bmp.Width, bmp.Height);
            Assert.True(longSide * 3 == shortSide * 4 || Math.Abs(longSide * 3 - shortSide * 4) <= 4, $"seed {seed}: {bmp.Width}x{bmp.Height} is not 4:3");
            Assert.Equal(Framing.CloseUp, Spec.FramingOf(bmp.Width, bmp.Height)); // the shape alone would call it a close-up
        }
        Assert.InRange(reframed, 3, 12);
        // Without framing by content no copy is reframed (versions trained before it keep their recipe).
        Assert.DoesNotContain(Enumerable.Range(0, 24), seed => Augmenter.KindOf(seed, wideSource: true) == AugmentedKind.Reframed);
        Assert.NotEqual(Augmenter.RecipeFor(Spec), Augmenter.RecipeFor(byContent));
    }

    [Fact]
    public void Augmented_features_are_cached_and_identical_on_a_warm_run()
    {
        using var tmp = new TempFolder();
        var folder = tmp.Sub("photos");
        Directory.CreateDirectory(folder);
        File.WriteAllBytes(Path.Combine(folder, "a.jpg"), TestImages.Leaf(9, new SKColor(240, 150, 20), 10));
        var backbone = Backbone.Load();
        string[] layers = ["layer4"];
        using var extractor = new FeatureExtractor(backbone, layers, Spec);
        FeatureJob[] jobs = [new("a.jpg"), new("a.jpg", 1), new("a.jpg", 2)];
        (List<ImageFeatures>, FeatureCache) Run()
        {
            var cache = new FeatureCache(tmp.Sub("cache"), FeatureExtractor.CacheKey(backbone, layers, Spec), extractor.FloatsPerImage);
            var copies = new FeatureCache(tmp.Sub("cache"), FeatureExtractor.AugmentedCacheKey(backbone, layers, Spec, 42), extractor.FloatsPerCopy);
            return (extractor.ExtractAll(folder, jobs, cache, copies, 42).Features, copies);
        }
        var (cold, _) = Run();
        var (warm, copyCache) = Run();
        Assert.Equal(2, copyCache.Count);
        Assert.Equal(Spec.ViewCount * 512, cold[0].Values.Length);
        Assert.Equal(Spec.TileCount * 512, cold[1].Values.Length); // a copy is seen through its first flip only
        Assert.NotEqual(cold[1].Values, cold[2].Values);
        for (int i = 0; i < 3; i++) Assert.Equal(cold[i].Values, warm[i].Values);
    }
}
