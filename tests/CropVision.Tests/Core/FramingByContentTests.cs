using System.Text;
using System.Text.Json;
using CropVision.Core.Models;
using CropVision.Core.Preprocessing;
using CropVision.Learning.Augmentation;
using CropVision.Tests.Support;
using SkiaSharp;
using Xunit.Abstractions;

namespace CropVision.Tests.Core;

/// <summary>
/// Framing by content (issue 16 item 2): a near-square photo of a whole leaf on a plain background gets whole-leaf
/// views cut from the leaf's box; a close-up stays a close-up; the phone (preprocess.js) decides and cuts exactly as
/// the service does.
/// </summary>
[Trait("Category", "Fast")]
public sealed class FramingByContentTests(ITestOutputHelper output)
{
    private static readonly PreprocessingSpec ByContent = new() { Flips = [Flip.None, Flip.Both], CloseUpBelowAspect = 1.5, FramingByContent = true };
    private static readonly PreprocessingSpec ByShape = ByContent with { FramingByContent = false };

    [Fact]
    public void A_leaf_drawn_on_paper_in_a_4_3_photo_is_wide_and_its_box_is_found()
    {
        var photo = Draw(640, 480, leaf: new SKRect(120, 160, 520, 320));
        ImagePreprocessor.Preprocess(photo, ByContent, out var framing);
        Assert.Equal(Framing.Wide, framing);
        ImagePreprocessor.Preprocess(photo, ByShape, out var byShape);
        Assert.Equal(Framing.CloseUp, byShape);
        Assert.Equal(Framing.Wide, ImagePreprocessor.FramingOf(photo, ByContent));

        using var decoded = ImageDecoder.DecodeUpright(photo, 640, 480);
        var found = PlainBackground.Measure(decoded.GetPixelSpan(), decoded.RowBytes, decoded.Width, decoded.Height);
        Assert.True(found.WholeLeaf);
        // The box holds the drawn leaf (120..520 x 160..320) with a small margin, not the whole photo.
        Assert.InRange(found.X, 100, 120);
        Assert.InRange(found.X + found.Width, 520, 540);
        Assert.InRange(found.Y, 148, 160);
        Assert.InRange(found.Y + found.Height, 320, 332);
        var box = PlainBackground.Widen(found.X, found.Y, found.Width, found.Height, 640, 480, 448, 224);
        Assert.Equal(2.0, box.Width / (double)box.Height, 1);
    }

    [Fact]
    public void A_photo_filled_with_leaf_or_with_paper_on_one_side_stays_a_close_up()
    {
        var filled = Draw(480, 480, leaf: new SKRect(0, 0, 480, 480), oval: false);
        var edge = Draw(480, 480, leaf: new SKRect(0, 120, 480, 480), oval: false); // a leaf's edge: paper above only
        foreach (var photo in new[] { filled, edge })
        {
            ImagePreprocessor.Preprocess(photo, ByContent, out var framing);
            Assert.Equal(Framing.CloseUp, framing);
        }
    }

    [BracolFact]
    public void BRACOL_val_leaves_reframed_4_3_are_wide_and_lesion_close_ups_are_not()
    {
        var leaves = ValPhotos(SharedData.Bracol, 60);
        int wide = 0, total = 0;
        var diffs = new List<double>();
        foreach (var (name, bytes) in leaves)
            foreach (var (padded, portrait) in Variants)
            {
                var copy = Augmenter.ReframeWhole(bytes, padded, portrait);
                var tensor = ImagePreprocessor.Preprocess(copy, ByContent, out var framing);
                total++;
                if (framing != Framing.Wide) continue;
                wide++;
                if (padded && !portrait) diffs.Add(MeanAbs(tensor, ImagePreprocessor.Preprocess(bytes, ByContent)));
            }
        var symptoms = ValPhotos(Path.Combine(Path.GetDirectoryName(SharedData.Bracol)!, "bracol-symptom"), 60);
        int symptomWide = symptoms.Count(s => ImagePreprocessor.FramingOf(s.Bytes, ByContent) == Framing.Wide);
        output.WriteLine($"reframed whole leaves wide: {wide}/{total}; lesion close-ups wide: {symptomWide}/{symptoms.Count}; " +
                         $"padded 4:3 vs the 2:1 original: mean |difference| of the views {diffs.Average():F1} (0..255)");
        Assert.True(wide >= total * 0.9, $"{wide}/{total} reframed whole leaves were framed wide");
        Assert.True(symptomWide <= symptoms.Count * 0.05, $"{symptomWide}/{symptoms.Count} lesion close-ups were framed wide");
        // The leaf's box gives a padded copy nearly the original's views (the stretch of the whole 4:3 frame would not).
        Assert.True(diffs.Average() < 20, $"padded copies differ from their originals by {diffs.Average():F1} on average");
    }

    [BracolFact]
    public void The_phone_frames_and_cuts_as_the_service_does()
    {
        // Long side 512, so both decode at 7/8, where the phone reads the JPEG's coefficients exactly (smaller photos
        // need the full decode, which the phone leaves to the browser's decoder).
        var cases = new List<(string Name, byte[] Bytes)>();
        foreach (var (name, bytes) in ValPhotos(SharedData.Bracol, 6))
            foreach (var (padded, portrait) in Variants)
                cases.Add(($"{name} {(padded ? "padded" : "tight")} {(portrait ? "3:4" : "4:3")}", LongSide512(Augmenter.ReframeWhole(bytes, padded, portrait))));
        cases.AddRange(ValPhotos(Path.Combine(Path.GetDirectoryName(SharedData.Bracol)!, "bracol-symptom"), 6).Select(c => (c.Name, LongSide512(c.Bytes))));
        var phone = RunNode(cases.Select(c => c.Bytes).ToList(), ByContent);
        int wide = 0;
        for (int i = 0; i < cases.Count; i++)
        {
            var service = ImagePreprocessor.Preprocess(cases[i].Bytes, ByContent, out var framing);
            var (phoneFraming, tensor) = phone[i] ?? throw new Xunit.Sdk.XunitException($"{cases[i].Name}: the phone could not read it");
            Assert.True(framing.ToString() == phoneFraming, $"{cases[i].Name}: the service framed it {framing}, the phone {phoneFraming}");
            if (framing == Framing.Wide) wide++;
            float largest = 0;
            for (int j = 0; j < tensor.Length; j++) largest = Math.Max(largest, Math.Abs(tensor[j] - service[j]));
            Assert.True(largest <= 1, $"{cases[i].Name}: views differ by up to {largest}");
        }
        output.WriteLine($"{cases.Count} photos: same framing on the phone ({wide} wide), views within 1 of 255");
    }

    private static readonly (bool Padded, bool Portrait)[] Variants = [(true, false), (true, true), (false, false), (false, true)];

    private static List<(string Name, byte[] Bytes)> ValPhotos(string root, int count) =>
        File.ReadLines(Path.Combine(root, "labels.csv")).Skip(1).Select(l => l.Split(',')).Where(c => c[^1] == "val")
            .Take(count).Select(c => ($"{c[1]}/{c[0]}", File.ReadAllBytes(Path.Combine(root, c[1], c[0])))).ToList();

    private static byte[] LongSide512(byte[] photo)
    {
        using var b = SKBitmap.Decode(photo);
        double k = 512.0 / Math.Max(b.Width, b.Height);
        using var resized = b.Resize(new SKImageInfo((int)Math.Round(b.Width * k), (int)Math.Round(b.Height * k)), new SKSamplingOptions(SKCubicResampler.Mitchell))!;
        using var data = resized.Encode(SKEncodedImageFormat.Jpeg, 92);
        return data.ToArray();
    }

    private static double MeanAbs(float[] a, float[] b) => a.Zip(b, (x, y) => (double)Math.Abs(x - y)).Average();

    /// <summary>A JPEG of grey paper with a textured green ellipse (spots included) inside <paramref name="leaf"/>.</summary>
    private static byte[] Draw(int width, int height, SKRect leaf, bool oval = true)
    {
        using var bitmap = new SKBitmap(width, height);
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(new SKColor(214, 212, 206));
            using var green = new SKPaint { Color = new SKColor(62, 128, 40), IsAntialias = true };
            if (oval) canvas.DrawOval(leaf, green);
            else canvas.DrawRect(leaf, green);
            using var spot = new SKPaint { Color = new SKColor(150, 110, 40) };
            for (int i = 0; i < 12; i++) canvas.DrawCircle(leaf.MidX + (i - 6) * leaf.Width / 16, leaf.MidY + (i % 3 - 1) * leaf.Height / 8, 6, spot);
        }
        using var data = bitmap.Encode(SKEncodedImageFormat.Jpeg, 90);
        return data.ToArray();
    }

    private static List<(string Framing, float[] Tensor)?> RunNode(List<byte[]> photos, PreprocessingSpec spec)
    {
        using var temp = new TempFolder();
        var lines = new StringBuilder();
        for (int i = 0; i < photos.Count; i++)
        {
            var file = Path.Combine(temp.Path, $"{i}.jpg");
            File.WriteAllBytes(file, photos[i]);
            lines.Append(file).Append('\n');
        }
        var bytes = NodeScript.Run(Path.Combine(SharedData.RepositoryRoot, "tests", "CropVision.Tests", "OnDevice", "preprocess-jpeg.mjs"),
            [Path.Combine(SharedData.RepositoryRoot, "src", "CropVision.Api", "ClientApp", "src", "ondevice", "preprocess.js"), JsonSerializer.Serialize(spec, ModelManifest.Json)],
            lines.ToString());
        var list = new List<(string, float[])?>();
        int pos = 0;
        foreach (var _ in photos)
        {
            int eol = Array.IndexOf(bytes, (byte)'\n', pos);
            var head = Encoding.ASCII.GetString(bytes, pos, eol - pos).Split(' ');
            pos = eol + 1;
            if (head[0] == "null") { list.Add(null); continue; }
            int n = int.Parse(head[1], System.Globalization.CultureInfo.InvariantCulture);
            var floats = new float[n];
            Buffer.BlockCopy(bytes, pos, floats, 0, n * 4);
            pos += n * 4;
            list.Add((head[0], floats));
        }
        return list;
    }
}
