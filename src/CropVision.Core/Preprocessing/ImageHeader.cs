using System.Buffers.Binary;

namespace CropVision.Core.Preprocessing;

/// <summary>
/// Reads an image's stored width and height straight from the file header, without a decoder, so a decompression bomb
/// (a small file that claims a huge image) is refused before any library allocates for it.
/// </summary>
public static class ImageHeader
{
    public static (int Width, int Height)? TryReadSize(ReadOnlySpan<byte> b, ImageFormat format) => format switch
    {
        ImageFormat.Png when b.Length >= 24 && b.Slice(12, 4).SequenceEqual("IHDR"u8) =>
            ((int)Math.Min(int.MaxValue, BinaryPrimitives.ReadUInt32BigEndian(b[16..])), (int)Math.Min(int.MaxValue, BinaryPrimitives.ReadUInt32BigEndian(b[20..]))),
        ImageFormat.Jpeg => JpegSize(b),
        ImageFormat.WebP => WebPSize(b),
        _ => null,
    };

    private static (int, int)? JpegSize(ReadOnlySpan<byte> b) =>
        JpegFrameStart(b) is { } at ? (BinaryPrimitives.ReadUInt16BigEndian(b[(at + 7)..]), BinaryPrimitives.ReadUInt16BigEndian(b[(at + 5)..])) : null;

    /// <summary>Where the start-of-frame segment begins (its 0xFF), or null where the markers before it do not parse.</summary>
    private static int? JpegFrameStart(ReadOnlySpan<byte> b)
    {
        int at = 2;
        while (at + 9 < b.Length)
        {
            if (b[at] != 0xFF) return null;
            byte marker = b[at + 1];
            if (marker == 0xFF) { at++; continue; }             // fill byte
            if (marker is 0xD8 or 0x01 || marker is >= 0xD0 and <= 0xD7) { at += 2; continue; } // no length
            int length = BinaryPrimitives.ReadUInt16BigEndian(b[(at + 2)..]);
            // Start-of-frame markers C0-CF, except DHT (C4), JPG (C8) and DAC (CC), carry the size.
            if (marker is >= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC) return at;
            at += 2 + length;
        }
        return null;
    }

    /// <summary>
    /// The fewest bytes a Huffman-coded JPEG (baseline, extended or progressive) of the size its header claims can
    /// have: every 8x8 block of every component codes at least its DC difference, one bit or more. A file shorter than
    /// that is truncated or forged; refusing it up front spares the decoder a whole-image coefficient buffer and a pass
    /// over millions of empty blocks (the decode fuzzer found a 119 KB progressive JPEG claiming 7071x6641 that took
    /// 0.7-2 s and 415 MB to "decode"). Null where the frame header is not there or not Huffman-coded.
    /// </summary>
    public static long? JpegMinimumBytes(ReadOnlySpan<byte> b)
    {
        if (JpegFrameStart(b) is not { } at || b[at + 1] is not (0xC0 or 0xC1 or 0xC2) || at + 10 > b.Length) return null;
        int height = BinaryPrimitives.ReadUInt16BigEndian(b[(at + 5)..]), width = BinaryPrimitives.ReadUInt16BigEndian(b[(at + 7)..]);
        int components = b[at + 9];
        if (components == 0 || at + 10 + 3 * components > b.Length) return null;
        int hMax = 1, vMax = 1;
        for (int c = 0; c < components; c++)
        {
            byte sampling = b[at + 11 + 3 * c];
            hMax = Math.Max(hMax, sampling >> 4);
            vMax = Math.Max(vMax, sampling & 0x0F);
        }
        long blocks = 0;
        for (int c = 0; c < components; c++)
        {
            byte sampling = b[at + 11 + 3 * c];
            int h = Math.Max(1, sampling >> 4), v = Math.Max(1, sampling & 0x0F);
            // A component's own blocks (fewer than in interleaved MCUs, so this stays a lower bound).
            long across = ((long)width * h + hMax - 1) / hMax, down = ((long)height * v + vMax - 1) / vMax;
            blocks += (across + 7) / 8 * ((down + 7) / 8);
        }
        return blocks / 8;
    }

    private static (int, int)? WebPSize(ReadOnlySpan<byte> b)
    {
        if (b.Length < 30) return null;
        var chunk = b.Slice(12, 4);
        if (chunk.SequenceEqual("VP8X"u8))
            return (1 + (b[24] | b[25] << 8 | b[26] << 16), 1 + (b[27] | b[28] << 8 | b[29] << 16));
        if (chunk.SequenceEqual("VP8L"u8))
            return (1 + (b[21] | (b[22] & 0x3F) << 8), 1 + (b[22] >> 6 | b[23] << 2 | (b[24] & 0x0F) << 10));
        if (chunk.SequenceEqual("VP8 "u8))
            return (BinaryPrimitives.ReadUInt16LittleEndian(b[26..]) & 0x3FFF, BinaryPrimitives.ReadUInt16LittleEndian(b[28..]) & 0x3FFF);
        return null;
    }
}
