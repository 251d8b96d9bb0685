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

    private static (int, int)? JpegSize(ReadOnlySpan<byte> b)
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
            if (marker is >= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC)
                return (BinaryPrimitives.ReadUInt16BigEndian(b[(at + 7)..]), BinaryPrimitives.ReadUInt16BigEndian(b[(at + 5)..]));
            at += 2 + length;
        }
        return null;
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
