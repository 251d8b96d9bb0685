using System.Buffers.Binary;
using System.Text;

namespace CropVision.Tests.Support;

/// <summary>
/// Writes an EXIF APP1 segment (DateTimeOriginal, GPS latitude/longitude, and the Artist tag phones fill with the
/// owner's name) into a real JPEG, as a phone camera does, so tests can check what the service reads back or drops.
/// Any APP1 already there is left in place after ours.
/// </summary>
public static class ExifWriter
{
    public static byte[] WithExif(byte[] jpeg, DateTime? takenLocal = null, double? latitude = null, double? longitude = null, string? artist = null)
    {
        if (jpeg.Length < 2 || jpeg[0] != 0xFF || jpeg[1] != 0xD8) throw new ArgumentException("Not a JPEG.");
        var tiff = BuildTiff(takenLocal, latitude, longitude, artist);
        var payload = "Exif\0\0"u8.ToArray().Concat(tiff).ToArray();
        int length = payload.Length + 2;
        return [0xFF, 0xD8, 0xFF, 0xE1, (byte)(length >> 8), (byte)length, .. payload, .. jpeg.AsSpan(2)];
    }

    private sealed record Entry(ushort Tag, ushort Type, uint Count, byte[] Data);

    private static byte[] BuildTiff(DateTime? taken, double? lat, double? lon, string? artist)
    {
        // Layout: header (8) | IFD0 | ExifIFD | GPS IFD | data area. Offsets are from the TIFF header.
        var ifd0 = new List<Entry>();
        var exif = new List<Entry>();
        var gps = new List<Entry>();
        if (taken is { } t) exif.Add(Ascii(0x9003, t.ToString("yyyy:MM:dd HH:mm:ss")));
        if (lat is { } la && lon is { } lo)
        {
            gps.Add(new Entry(0x0000, 1, 4, [2, 3, 0, 0]));                   // GPSVersionID
            gps.Add(Ascii(0x0001, la >= 0 ? "N" : "S"));
            gps.Add(new Entry(0x0002, 5, 3, Rationals(Math.Abs(la))));
            gps.Add(Ascii(0x0003, lo >= 0 ? "E" : "W"));
            gps.Add(new Entry(0x0004, 5, 3, Rationals(Math.Abs(lo))));
        }
        static int IfdSize(int n) => n == 0 ? 0 : 2 + 12 * n + 4;
        if (artist is not null) ifd0.Add(Ascii(0x013B, artist));                // Artist (IFD0; tags stay in ascending order)
        int ifd0Count = ifd0.Count + (exif.Count > 0 ? 1 : 0) + (gps.Count > 0 ? 1 : 0);
        int ifd0Offset = 8;
        int exifOffset = ifd0Offset + IfdSize(Math.Max(ifd0Count, 0) == 0 ? 0 : ifd0Count);
        int gpsOffset = exifOffset + IfdSize(exif.Count);
        int dataOffset = gpsOffset + IfdSize(gps.Count);
        if (exif.Count > 0) ifd0.Add(new Entry(0x8769, 4, 1, LongBytes((uint)exifOffset)));
        if (gps.Count > 0) ifd0.Add(new Entry(0x8825, 4, 1, LongBytes((uint)gpsOffset)));

        var output = new MemoryStream();
        output.Write([(byte)'I', (byte)'I', 42, 0, 8, 0, 0, 0]);
        var data = new MemoryStream();
        foreach (var ifd in new[] { ifd0, exif, gps })
        {
            if (ifd.Count == 0) continue;
            output.Write(BitConverter.GetBytes((ushort)ifd.Count));
            foreach (var e in ifd)
            {
                output.Write(BitConverter.GetBytes(e.Tag));
                output.Write(BitConverter.GetBytes(e.Type));
                output.Write(BitConverter.GetBytes(e.Count));
                if (e.Data.Length <= 4) output.Write([.. e.Data, .. new byte[4 - e.Data.Length]]);
                else
                {
                    output.Write(BitConverter.GetBytes((uint)(dataOffset + data.Length)));
                    data.Write(e.Data);
                    if (data.Length % 2 == 1) data.WriteByte(0);
                }
            }
            output.Write(BitConverter.GetBytes(0u));
        }
        output.Write(data.ToArray());
        return output.ToArray();
    }

    private static Entry Ascii(ushort tag, string text)
    {
        var bytes = Encoding.ASCII.GetBytes(text + "\0");
        return new Entry(tag, 2, (uint)bytes.Length, bytes);
    }

    private static byte[] LongBytes(uint value) { var b = new byte[4]; BinaryPrimitives.WriteUInt32LittleEndian(b, value); return b; }

    /// <summary>Degrees as degrees, minutes, seconds/10000 rationals.</summary>
    private static byte[] Rationals(double degrees)
    {
        uint d = (uint)degrees;
        double minutesFull = (degrees - d) * 60;
        uint m = (uint)minutesFull;
        uint s = (uint)Math.Round((minutesFull - m) * 60 * 10000);
        var b = new byte[24];
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(0), d); BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(4), 1);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(8), m); BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(12), 1);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(16), s); BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(20), 10000);
        return b;
    }
}
