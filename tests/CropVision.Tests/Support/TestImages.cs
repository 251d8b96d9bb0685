using SkiaSharp;

namespace CropVision.Tests.Support;

/// <summary>Images made in the test, so every expectation is known exactly.</summary>
public static class TestImages
{
    /// <summary>A bitmap painted by <paramref name="paint"/>(x, y) -> colour.</summary>
    public static SKBitmap Paint(int width, int height, Func<int, int, SKColor> paint)
    {
        var bmp = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        for (int y = 0; y < height; y++) for (int x = 0; x < width; x++) bmp.SetPixel(x, y, paint(x, y));
        return bmp;
    }

    public static byte[] Encode(SKBitmap bitmap, SKEncodedImageFormat format, int quality = 100)
    {
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(format, quality);
        return data.ToArray();
    }

    /// <summary>Left half red, right half blue, with a green band across the top quarter: every orientation looks different.</summary>
    public static SKColor Quadrants(int x, int y, int width, int height) =>
        y < height / 4 ? new SKColor(0, 200, 0) : x < width / 2 ? new SKColor(220, 0, 0) : new SKColor(0, 0, 220);

    /// <summary>Inserts an EXIF APP1 segment with only the orientation tag right after the JPEG's SOI marker.</summary>
    public static byte[] WithExifOrientation(byte[] jpeg, ushort orientation)
    {
        byte[] tiff =
        [
            (byte)'I', (byte)'I', 42, 0, 8, 0, 0, 0,    // little-endian TIFF header, IFD at offset 8
            1, 0,                                        // one entry
            0x12, 0x01, 3, 0, 1, 0, 0, 0,                // tag 0x0112 Orientation, SHORT, count 1
            (byte)orientation, (byte)(orientation >> 8), 0, 0,
            0, 0, 0, 0,                                  // no next IFD
        ];
        var payload = "Exif\0\0"u8.ToArray().Concat(tiff).ToArray();
        int length = payload.Length + 2;
        var segment = new byte[] { 0xFF, 0xE1, (byte)(length >> 8), (byte)length }.Concat(payload);
        return jpeg.Take(2).Concat(segment).Concat(jpeg.Skip(2)).ToArray();
    }

    /// <summary>A valid PNG signature and IHDR that claim a huge image, with no pixel data: decoding it would need gigabytes.</summary>
    public static byte[] PngHeaderOnly(int width, int height)
    {
        var ihdr = new List<byte>();
        ihdr.AddRange("IHDR"u8.ToArray());
        ihdr.AddRange(BigEndian(width)); ihdr.AddRange(BigEndian(height));
        ihdr.AddRange(new byte[] { 8, 6, 0, 0, 0 }); // 8-bit RGBA
        var png = new List<byte> { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A };
        png.AddRange(BigEndian(13)); png.AddRange(ihdr); png.AddRange(BigEndian((int)Crc32(ihdr.ToArray())));
        var iend = "IEND"u8.ToArray();
        png.AddRange(BigEndian(0)); png.AddRange(iend); png.AddRange(BigEndian((int)Crc32(iend)));
        return [.. png];
    }

    /// <summary>
    /// A real, fully decodable PNG of one colour, <paramref name="width"/> x <paramref name="height"/> RGB: tiny on the
    /// wire (7000x7000 is ~143 KB) but ~196 MB of pixels once decoded. Written row by row, never held as a bitmap.
    /// </summary>
    public static byte[] UniformPng(int width, int height)
    {
        var ihdr = new List<byte>("IHDR"u8.ToArray());
        ihdr.AddRange(BigEndian(width)); ihdr.AddRange(BigEndian(height));
        ihdr.AddRange(new byte[] { 8, 2, 0, 0, 0 }); // 8-bit RGB
        using var pixels = new MemoryStream();
        using (var z = new System.IO.Compression.ZLibStream(pixels, System.IO.Compression.CompressionLevel.Optimal, leaveOpen: true))
        {
            var row = new byte[1 + width * 3]; // filter 0, then RGB
            for (int x = 0; x < width; x++) (row[1 + 3 * x], row[2 + 3 * x], row[3 + 3 * x]) = ((byte)40, (byte)140, (byte)50);
            for (int y = 0; y < height; y++) z.Write(row);
        }
        var idat = "IDAT"u8.ToArray().Concat(pixels.ToArray()).ToArray();
        var iend = "IEND"u8.ToArray();
        var png = new List<byte> { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A };
        png.AddRange(BigEndian(13)); png.AddRange(ihdr); png.AddRange(BigEndian((int)Crc32([.. ihdr])));
        png.AddRange(BigEndian(idat.Length - 4)); png.AddRange(idat); png.AddRange(BigEndian((int)Crc32(idat)));
        png.AddRange(BigEndian(0)); png.AddRange(iend); png.AddRange(BigEndian((int)Crc32(iend)));
        return [.. png];
    }

    /// <summary>A JPEG padded to at least <paramref name="totalBytes"/> with comment (COM) segments right after SOI: valid, and mostly not pixels.</summary>
    public static byte[] PaddedJpeg(byte[] jpeg, int totalBytes)
    {
        var output = new MemoryStream(totalBytes + 65536);
        output.Write(jpeg, 0, 2);
        var filler = new byte[65533];
        Array.Fill(filler, (byte)'x');
        while (output.Length + jpeg.Length - 2 < totalBytes)
        {
            output.Write([0xFF, 0xFE, 0xFF, 0xFF]); // COM, length 65535 (counts its own two bytes)
            output.Write(filler);
        }
        output.Write(jpeg, 2, jpeg.Length - 2);
        return output.ToArray();
    }

    private static byte[] BigEndian(int v) => [(byte)(v >> 24), (byte)(v >> 16), (byte)(v >> 8), (byte)v];

    private static uint Crc32(byte[] data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (var b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? 0xEDB88320 ^ (crc >> 1) : crc >> 1;
        }
        return ~crc;
    }

    /// <summary>A synthetic "leaf": a green ellipse on white with spots whose colour and number depend on the class.</summary>
    public static byte[] Leaf(int seed, SKColor spotColour, int spots, int width = 512, int height = 256)
    {
        var rng = new Random(seed);
        using var surface = SKSurface.Create(new SKImageInfo(width, height));
        var c = surface.Canvas;
        c.Clear(SKColors.White);
        using var leaf = new SKPaint { Color = new SKColor((byte)rng.Next(20, 60), (byte)rng.Next(110, 160), (byte)rng.Next(20, 60)), IsAntialias = true };
        c.DrawOval(width / 2f, height / 2f, width * 0.42f, height * 0.38f, leaf);
        using var spot = new SKPaint { Color = spotColour, IsAntialias = true };
        for (int i = 0; i < spots; i++)
            c.DrawCircle(width * (0.2f + 0.6f * (float)rng.NextDouble()), height * (0.3f + 0.4f * (float)rng.NextDouble()), 6 + rng.Next(10), spot);
        using var img = surface.Snapshot();
        using var data = img.Encode(SKEncodedImageFormat.Jpeg, 90);
        return data.ToArray();
    }

    /// <summary>A synthetic close-up: leaf-green tissue filling the frame, with spots, <paramref name="width"/> x <paramref name="height"/>.</summary>
    public static byte[] CloseUp(int seed, SKColor spotColour, int spots, int width, int height)
    {
        var rng = new Random(seed);
        using var surface = SKSurface.Create(new SKImageInfo(width, height));
        var c = surface.Canvas;
        c.Clear(new SKColor((byte)rng.Next(20, 60), (byte)rng.Next(110, 160), (byte)rng.Next(20, 60)));
        using var spot = new SKPaint { Color = spotColour, IsAntialias = true };
        for (int i = 0; i < spots; i++)
            c.DrawCircle(width * (0.2f + 0.6f * (float)rng.NextDouble()), height * (0.2f + 0.6f * (float)rng.NextDouble()), 10 + rng.Next(14), spot);
        using var img = surface.Snapshot();
        using var data = img.Encode(SKEncodedImageFormat.Jpeg, 90);
        return data.ToArray();
    }
}
