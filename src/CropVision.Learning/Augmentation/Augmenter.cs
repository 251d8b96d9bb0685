using CropVision.Core.Preprocessing;
using SkiaSharp;

namespace CropVision.Learning.Augmentation;

/// <summary>
/// What one augmented copy is: a close-up cut from the photo, the whole photo with only its look changed, or (with
/// <see cref="PreprocessingSpec.FramingByContent"/>) the whole leaf in a phone's 4:3 or 3:4 frame.
/// </summary>
public enum AugmentedKind { CloseUp, Whole, Reframed }

/// <summary>
/// Makes field-like photos from the photos we have, to teach the frozen-backbone head what a farmer's phone sees: a
/// random square crop at one of several zoom levels (a whole leaf becomes a close-up), a rotation, brightness, contrast,
/// saturation and white-balance shifts, sometimes a mild blur, sometimes a downscale to about 128 px, and JPEG
/// re-compression, often at low quality. The result is a new JPEG file that then takes the one preprocessing path
/// like any photo. Every choice comes from <see cref="Random"/> seeded per copy, so the same seed gives the same bytes.
/// </summary>
public static class Augmenter
{
    /// <summary>Bump when the recipe changes: it is part of the feature cache key.</summary>
    public const string Recipe = "aug-v1: square crop (zoom 0.35-0.9 of the short side on wide photos, 0.6-1 on close-ups; 1 in 4 wide copies kept whole), " +
        "rotation (any angle, zoomed to stay inside the crop; whole copies: flips), brightness/contrast x0.75-1.25, saturation x0.7-1.3, channel gains x0.92-1.08, " +
        "blur sigma 0.4-1.4 (p 0.3), downscale to 96-160 px (p 0.5), JPEG quality 15-50 (p 0.6) else 90";

    /// <summary>What <see cref="AugmentedKind.Reframed"/> copies add to the recipe (specs that frame by content only).</summary>
    public const string Reframing = "reframed (1 in 4 wide copies, with framingByContent): the whole leaf in a 4:3 or 3:4 frame, either padded with its own paper colour or its centre cut tighter (tips lost), look changes as above";

    /// <summary>The recipe for copies made under <paramref name="spec"/> (part of the cache keys and the manifest).</summary>
    public static string RecipeFor(PreprocessingSpec spec) => spec.FramingByContent ? $"{Recipe}; {Reframing}" : Recipe;

    private const int MaxSide = 1024;
    private static readonly SKSamplingOptions Sampling = new(SKFilterMode.Linear, SKMipmapMode.Linear);

    /// <summary>The seed of copy <paramref name="copy"/> of the photo with SHA-256 <paramref name="imageSha"/>.</summary>
    public static int SeedFor(int runSeed, string imageSha, int copy) =>
        BitConverter.ToInt32(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{runSeed}|{imageSha}|{copy}")), 0);

    /// <summary>What copy <paramref name="seed"/> of a photo of this framing is (a close-up crop loses the leaf-wide labels).</summary>
    public static AugmentedKind KindOf(int seed, bool wideSource, bool reframe = false)
    {
        if (!wideSource) return AugmentedKind.CloseUp;
        double draw = new Random(seed).NextDouble();
        return draw < 0.25 ? AugmentedKind.Whole : reframe && draw < 0.5 ? AugmentedKind.Reframed : AugmentedKind.CloseUp;
    }

    /// <summary>
    /// What copy <paramref name="copy"/> of a photo is, from the original's framing under <paramref name="spec"/>: the one
    /// rule by which the trainer, <c>calibrate</c> and the fine-tune label copies (as <see cref="Augment"/> makes them).
    /// </summary>
    public static AugmentedKind KindOfCopy(int runSeed, string imageSha, int copy, Framing original, PreprocessingSpec spec) =>
        KindOf(SeedFor(runSeed, imageSha, copy), original == Framing.Wide, spec.FramingByContent);

    /// <summary>The framing a copy counts as: a close-up crop is a close-up; a whole or reframed copy keeps the original's.</summary>
    public static Framing FramingOfCopy(AugmentedKind kind, Framing original) => kind == AugmentedKind.CloseUp ? Framing.CloseUp : original;

    public static byte[] Augment(ReadOnlySpan<byte> photo, int seed, PreprocessingSpec spec)
    {
        using var source = ImageDecoder.DecodeUpright(photo, (w, h) => (Math.Min(w, MaxSide), Math.Min(h, MaxSide)));
        bool wide = ImagePreprocessor.FramingOf(photo, spec) == Framing.Wide;
        var kind = KindOf(seed, wide, spec.FramingByContent);
        var rng = new Random(seed);
        rng.NextDouble(); // the draw KindOf made

        using var image = SKImage.FromBitmap(source);
        int w = source.Width, h = source.Height;
        SKBitmap drawn;
        if (kind == AugmentedKind.CloseUp)
        {
            int shortSide = Math.Min(w, h);
            double zoom = wide ? 0.35 + 0.55 * rng.NextDouble() : 0.6 + 0.4 * rng.NextDouble();
            int side = Math.Max(16, (int)(shortSide * zoom));
            var (cx, cy) = PickCentre(source, side, wide, rng);
            double angle = rng.NextDouble() * 360;
            drawn = Draw(image, side, side, cx, cy, angle, FillScale(angle), flipX: false, flipY: false, rng);
        }
        else if (kind == AugmentedKind.Reframed)
        {
            bool flipX = rng.Next(2) == 1, flipY = rng.Next(2) == 1, portrait = rng.Next(2) == 1, padded = rng.Next(2) == 1;
            using var framed = Reframe(source, padded);
            drawn = portrait
                ? Draw(framed, framed.Height, framed.Width, framed.Width / 2f, framed.Height / 2f, 90, 1, flipX, flipY, rng)
                : Draw(framed, framed.Width, framed.Height, framed.Width / 2f, framed.Height / 2f, 0, 1, flipX, flipY, rng);
        }
        else
        {
            bool flipX = rng.Next(2) == 1, flipY = rng.Next(2) == 1;
            drawn = Draw(image, w, h, w / 2f, h / 2f, 0, 1, flipX, flipY, rng);
        }
        using (drawn)
        {
            SKBitmap final = drawn;
            if (rng.NextDouble() < 0.5)
            {
                int target = 96 + rng.Next(65);
                double scale = Math.Min(1.0, target / (double)Math.Min(drawn.Width, drawn.Height));
                final = drawn.Resize(new SKImageInfo(Math.Max(1, (int)(drawn.Width * scale)), Math.Max(1, (int)(drawn.Height * scale))), Sampling) ?? drawn;
            }
            int quality = rng.NextDouble() < 0.6 ? 15 + rng.Next(36) : 90;
            try
            {
                using var data = final.Encode(SKEncodedImageFormat.Jpeg, quality);
                return data.ToArray();
            }
            finally { if (!ReferenceEquals(final, drawn)) final.Dispose(); }
        }
    }

    /// <summary>
    /// A whole-leaf photo as a phone would frame it, with no other change (JPEG quality 90): 4:3 (or 3:4, turned a
    /// quarter), padded with its paper colour or cut tighter. For tests and for val copies (<c>dataset reframe</c>).
    /// </summary>
    public static byte[] ReframeWhole(ReadOnlySpan<byte> photo, bool padded, bool portrait, int quality = 90)
    {
        using var source = ImageDecoder.DecodeUpright(photo, (w, h) => (Math.Min(w, MaxSide), Math.Min(h, MaxSide)));
        using var framed = Reframe(source, padded);
        using var bitmap = portrait ? new SKBitmap(framed.Height, framed.Width, SKColorType.Rgba8888, SKAlphaType.Unpremul) : SKBitmap.FromImage(framed);
        if (portrait)
        {
            using var canvas = new SKCanvas(bitmap);
            canvas.Translate(framed.Height, 0);
            canvas.RotateDegrees(90);
            canvas.DrawImage(framed, 0, 0, Sampling);
        }
        using var data = bitmap.Encode(SKEncodedImageFormat.Jpeg, quality);
        return data.ToArray();
    }

    /// <summary>
    /// The photo in a 4:3 frame: padded above and below with its own paper colour (the mean of its four corner patches),
    /// or its centre cut to 4:3 (a tighter frame that loses the leaf's tips).
    /// </summary>
    private static SKImage Reframe(SKBitmap source, bool padded)
    {
        int w = source.Width, h = source.Height;
        if (!padded)
        {
            int cut = Math.Min(w, h * 4 / 3);
            using var subset = new SKBitmap();
            if (!source.ExtractSubset(subset, SKRectI.Create((w - cut) / 2, 0, cut, h))) throw new InvalidOperationException("The centre cut failed.");
            return SKImage.FromBitmap(subset.Copy());
        }
        var info = new SKImageInfo(w, Math.Max(h, w * 3 / 4), SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var surface = SKSurface.Create(info);
        surface.Canvas.Clear(PaperColour(source));
        using (var photo = SKImage.FromBitmap(source))
            surface.Canvas.DrawImage(photo, 0, (info.Height - h) / 2f, Sampling);
        return surface.Snapshot();
    }

    private static SKColor PaperColour(SKBitmap b)
    {
        int patch = Math.Max(1, Math.Min(b.Width, b.Height) / 16);
        long r = 0, g = 0, bl = 0, n = 0;
        foreach (var (x0, y0) in new[] { (0, 0), (b.Width - patch, 0), (0, b.Height - patch), (b.Width - patch, b.Height - patch) })
            for (int y = y0; y < y0 + patch; y++)
                for (int x = x0; x < x0 + patch; x++)
                {
                    var c = b.GetPixel(x, y);
                    r += c.Red; g += c.Green; bl += c.Blue; n++;
                }
        return new SKColor((byte)(r / n), (byte)(g / n), (byte)(bl / n));
    }

    /// <summary>Zoom that keeps a square rotated by <paramref name="angle"/> degrees inside the unrotated crop.</summary>
    private static float FillScale(double angle)
    {
        double r = angle * Math.PI / 180;
        return (float)(Math.Abs(Math.Cos(r)) + Math.Abs(Math.Sin(r)));
    }

    /// <summary>
    /// A crop centre inside the photo; on wide photos (a leaf on white paper) the least white of a few random tries,
    /// so that a close-up shows leaf rather than paper.
    /// </summary>
    private static (float X, float Y) PickCentre(SKBitmap source, int side, bool wide, Random rng)
    {
        (float, float) best = (source.Width / 2f, source.Height / 2f);
        double bestWhite = double.MaxValue;
        for (int attempt = 0; attempt < (wide ? 6 : 1); attempt++)
        {
            float x = side / 2f + (float)rng.NextDouble() * Math.Max(0, source.Width - side);
            float y = side / 2f + (float)rng.NextDouble() * Math.Max(0, source.Height - side);
            double white = wide ? WhiteShare(source, (int)(x - side / 2f), (int)(y - side / 2f), side) : 0;
            if (white < bestWhite) { bestWhite = white; best = (x, y); }
        }
        return best;
    }

    private static double WhiteShare(SKBitmap b, int x0, int y0, int side)
    {
        int white = 0, total = 0, step = Math.Max(1, side / 24);
        var px = b.GetPixelSpan();
        for (int y = Math.Max(0, y0); y < Math.Min(b.Height, y0 + side); y += step)
            for (int x = Math.Max(0, x0); x < Math.Min(b.Width, x0 + side); x += step)
            {
                int i = y * b.RowBytes + x * 4;
                total++;
                if (px[i] > 200 && px[i + 1] > 200 && px[i + 2] > 200) white++;
            }
        return total == 0 ? 1 : white / (double)total;
    }

    /// <summary>Draws the region centred on (cx, cy), rotated and zoomed, with the colour shift and blur, into a w x h bitmap.</summary>
    private static SKBitmap Draw(SKImage image, int w, int h, float cx, float cy, double angle, float zoom, bool flipX, bool flipY, Random rng)
    {
        float brightness = 0.75f + 0.5f * (float)rng.NextDouble(), contrast = 0.75f + 0.5f * (float)rng.NextDouble();
        float saturation = 0.7f + 0.6f * (float)rng.NextDouble();
        float[] gain = [0.92f + 0.16f * (float)rng.NextDouble(), 0.92f + 0.16f * (float)rng.NextDouble(), 0.92f + 0.16f * (float)rng.NextDouble()];
        float blur = rng.NextDouble() < 0.3 ? 0.4f + (float)rng.NextDouble() : 0f;

        var info = new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        var bitmap = new SKBitmap(info);
        using var canvas = new SKCanvas(bitmap);
        canvas.Clear(SKColors.White);
        canvas.Translate(w / 2f, h / 2f);
        canvas.RotateDegrees((float)angle);
        canvas.Scale((flipX ? -1 : 1) * zoom, (flipY ? -1 : 1) * zoom);
        canvas.Translate(-cx, -cy);
        using var colour = SKColorFilter.CreateColorMatrix(ColourMatrix(brightness, contrast, saturation, gain));
        using var blurFilter = blur > 0 ? SKImageFilter.CreateBlur(blur, blur) : null;
        using var paint = new SKPaint { ColorFilter = colour, ImageFilter = blurFilter };
        canvas.DrawImage(image, 0, 0, Sampling, paint);
        canvas.Flush();
        return bitmap;
    }

    /// <summary>Saturation around luma, then contrast around mid-grey, brightness and per-channel gain (Skia's 0..1 colour matrix).</summary>
    private static float[] ColourMatrix(float brightness, float contrast, float saturation, float[] gain)
    {
        const float lr = 0.2126f, lg = 0.7152f, lb = 0.0722f;
        float s = saturation, t = 1 - s;
        float[,] sat =
        {
            { lr * t + s, lg * t, lb * t },
            { lr * t, lg * t + s, lb * t },
            { lr * t, lg * t, lb * t + s },
        };
        var m = new float[20];
        for (int r = 0; r < 3; r++)
        {
            float k = gain[r] * brightness * contrast;
            for (int c = 0; c < 3; c++) m[r * 5 + c] = sat[r, c] * k;
            m[r * 5 + 4] = gain[r] * brightness * 0.5f * (1 - contrast);
        }
        m[18] = 1; // alpha unchanged
        return m;
    }
}
