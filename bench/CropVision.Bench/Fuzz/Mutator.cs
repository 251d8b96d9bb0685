using System.Buffers.Binary;
using System.Text;

namespace CropVision.Bench.Fuzz;

/// <summary>
/// Turns a seed image into a damaged or hostile one: bit flips, overwritten bytes, truncation, corrupted structure
/// (JPEG SOF/DHT/DQT/SOS/DRI segments, PNG IHDR and chunk CRCs, WebP RIFF and chunk sizes, VP8/VP8L/VP8X/ANMF headers),
/// absurd dimensions, huge EXIF/ICC/APP segments and chunks, splices of two seeds. Deterministic for a given
/// <see cref="Random"/>, so a case is rebuilt from its seed and index alone.
/// </summary>
public static class Mutator
{
    private static readonly int[] AbsurdSides = [0, 1, 2, 7071, 7072, 16383, 16384, 65535, 100_000, int.MaxValue];

    public static byte[] Mutate(byte[] seed, byte[] other, Random rng, out string kind)
    {
        var data = seed;
        var kinds = new List<string>();
        int steps = rng.Next(10) switch { < 6 => 1, < 9 => 2, _ => 3 };
        for (int i = 0; i < steps; i++)
        {
            var (name, mutate) = Pick(rng);
            try { data = mutate(data, other, rng); }
            catch (Exception e) when (e is ArgumentException or IndexOutOfRangeException)
            {
                // A structure walk tripped on what earlier steps did to the file: flip bits instead, and say so.
                data = BitFlips(data, other, rng);
                name += "(fell back to bitflip)";
            }
            kinds.Add(name);
        }
        kind = string.Join('+', kinds);
        return data;
    }

    private static (string, Func<byte[], byte[], Random, byte[]>) Pick(Random rng) => rng.Next(100) switch
    {
        < 18 => ("bitflip", BitFlips),
        < 28 => ("bytes", OverwriteBytes),
        < 40 => ("truncate", Truncate),
        < 70 => ("structure", Structure),
        < 82 => ("dimensions", AbsurdDimensions),
        < 92 => ("big-metadata", BigMetadata),
        _ => ("splice", Splice),
    };

    private static byte[] BitFlips(byte[] data, byte[] other, Random rng)
    {
        var d = (byte[])data.Clone();
        int flips = 1 + rng.Next(rng.Next(2) == 0 ? 4 : 64);
        // Half the flips land in the first 2 KB, where headers and tables are.
        for (int i = 0; i < flips && d.Length > 0; i++)
            d[rng.Next(rng.Next(2) == 0 ? Math.Min(2048, d.Length) : d.Length)] ^= (byte)(1 << rng.Next(8));
        return d;
    }

    private static readonly byte[] Interesting = [0x00, 0x01, 0x7F, 0x80, 0xFF, 0xFE, 0x10, 0x40];

    private static byte[] OverwriteBytes(byte[] data, byte[] other, Random rng)
    {
        var d = (byte[])data.Clone();
        for (int runs = 1 + rng.Next(8); runs > 0 && d.Length > 0; runs--)
        {
            int at = rng.Next(rng.Next(2) == 0 ? Math.Min(1024, d.Length) : d.Length), len = Math.Min(1 + rng.Next(16), d.Length - at);
            for (int i = 0; i < len; i++) d[at + i] = rng.Next(2) == 0 ? Interesting[rng.Next(Interesting.Length)] : (byte)rng.Next(256);
        }
        return d;
    }

    private static byte[] Truncate(byte[] data, byte[] other, Random rng)
    {
        if (data.Length < 2) return data;
        int keep = rng.Next(3) switch { 0 => rng.Next(Math.Min(data.Length, 512)), 1 => rng.Next(data.Length), _ => data.Length - 1 - rng.Next(Math.Min(64, data.Length - 1)) };
        return data[..keep];
    }

    private static byte[] Splice(byte[] data, byte[] other, Random rng)
    {
        int cut = rng.Next(data.Length + 1), from = rng.Next(other.Length + 1);
        return [.. data.AsSpan(0, cut), .. other.AsSpan(from)];
    }

    private static byte[] Structure(byte[] data, byte[] other, Random rng) => Kind(data) switch
    {
        'J' => JpegStructure(data, rng),
        'P' => PngStructure(data, rng),
        'W' => WebpStructure(data, rng),
        _ => OverwriteBytes(data, other, rng),
    };

    private static byte[] AbsurdDimensions(byte[] data, byte[] other, Random rng)
    {
        var d = (byte[])data.Clone();
        int Side() => rng.Next(3) == 0 ? rng.Next(1, 70_000) : AbsurdSides[rng.Next(AbsurdSides.Length)];
        switch (Kind(d))
        {
            case 'J':
                foreach (var s in JpegSegments(d).Where(s => IsSof(s.Marker)))
                {
                    if (s.Start + 9 > d.Length) break;
                    BinaryPrimitives.WriteUInt16BigEndian(d.AsSpan(s.Start + 5), (ushort)Side()); // height
                    BinaryPrimitives.WriteUInt16BigEndian(d.AsSpan(s.Start + 7), (ushort)Side()); // width
                }
                return d;
            case 'P':
                if (d.Length < 33) return d;
                BinaryPrimitives.WriteInt32BigEndian(d.AsSpan(16), Side());
                BinaryPrimitives.WriteInt32BigEndian(d.AsSpan(20), Side());
                if (rng.Next(5) > 0) FixPngCrc(d, 8); // mostly a valid CRC, so the decoder believes the header
                return d;
            case 'W':
                foreach (var c in RiffChunks(d))
                {
                    var payload = d.AsSpan(c.Start + 8);
                    if (c.FourCc == "VP8X" && payload.Length >= 10) { Write24(payload[4..], Side() - 1); Write24(payload[7..], Side() - 1); }
                    else if (c.FourCc == "VP8 " && payload.Length >= 10) { BinaryPrimitives.WriteUInt16LittleEndian(payload[6..], (ushort)(Side() & 0x3FFF | rng.Next(4) << 14)); BinaryPrimitives.WriteUInt16LittleEndian(payload[8..], (ushort)(Side() & 0x3FFF)); }
                    else if (c.FourCc == "VP8L" && payload.Length >= 5) { uint bits = BinaryPrimitives.ReadUInt32LittleEndian(payload[1..]); bits = bits & 0xF0000000 | (uint)((Side() - 1) & 0x3FFF) | (uint)((Side() - 1) & 0x3FFF) << 14; BinaryPrimitives.WriteUInt32LittleEndian(payload[1..], bits); }
                    else if (c.FourCc == "ANMF" && payload.Length >= 12) { Write24(payload[6..], Side() - 1); Write24(payload[9..], Side() - 1); }
                }
                return d;
            default: return d;
        }
    }

    /// <summary>Huge metadata: many 64 KB APP segments (EXIF with looping or out-of-range IFDs, ICC, junk) or big PNG/WebP chunks.</summary>
    private static byte[] BigMetadata(byte[] data, byte[] other, Random rng)
    {
        int count = rng.Next(4) == 0 ? 1 + rng.Next(64) : 1 + rng.Next(3);
        switch (Kind(data))
        {
            case 'J':
                {
                    using var ms = new MemoryStream();
                    ms.Write(data, 0, 2); // SOI
                    for (int i = 0; i < count; i++)
                    {
                        var (marker, payload) = rng.Next(3) switch
                        {
                            0 => ((byte)0xE1, Exif(rng, 2 + rng.Next(65533))),
                            1 => ((byte)0xE2, [.. "ICC_PROFILE\0"u8, (byte)(1 + rng.Next(4)), (byte)rng.Next(4), .. Junk(rng, rng.Next(65000))]),
                            _ => ((byte)(0xE0 + rng.Next(16)), Junk(rng, rng.Next(65534))),
                        };
                        payload = payload.Length > 65533 ? payload[..65533] : payload;
                        ms.Write([0xFF, marker, (byte)((payload.Length + 2) >> 8), (byte)(payload.Length + 2)]);
                        ms.Write(payload);
                    }
                    ms.Write(data, 2, data.Length - 2);
                    return ms.ToArray();
                }
            case 'P':
                {
                    using var ms = new MemoryStream();
                    ms.Write(data, 0, Math.Min(33, data.Length)); // signature + IHDR
                    for (int i = 0; i < count; i++)
                    {
                        var (type, payload) = rng.Next(3) switch
                        {
                            0 => ("eXIf", Exif(rng, 2 + rng.Next(200_000))[6..]),
                            1 => ("iCCP", [.. "icc\0\0"u8, .. Junk(rng, rng.Next(200_000))]),
                            _ => ("tEXt", [.. "Comment\0"u8, .. Junk(rng, rng.Next(500_000))]),
                        };
                        WritePngChunk(ms, type, payload);
                    }
                    if (data.Length > 33) ms.Write(data, 33, data.Length - 33);
                    return ms.ToArray();
                }
            case 'W':
                {
                    using var ms = new MemoryStream();
                    ms.Write(data);
                    for (int i = 0; i < count; i++)
                    {
                        var payload = rng.Next(2) == 0 ? Exif(rng, 2 + rng.Next(200_000))[6..] : Junk(rng, rng.Next(200_000));
                        ms.Write(Encoding.ASCII.GetBytes(rng.Next(2) == 0 ? "EXIF" : "ICCP"));
                        ms.Write(BitConverter.GetBytes(payload.Length));
                        ms.Write(payload);
                        if (payload.Length % 2 == 1) ms.WriteByte(0);
                    }
                    var d = ms.ToArray();
                    if (rng.Next(2) == 0) BinaryPrimitives.WriteUInt32LittleEndian(d.AsSpan(4), (uint)(d.Length - 8)); // RIFF size kept honest half the time
                    return d;
                }
            default: return data;
        }
    }

    /// <summary>An EXIF block whose IFDs lie: huge entry counts, offsets past the end or back to themselves, odd orientations.</summary>
    private static byte[] Exif(Random rng, int size)
    {
        var d = new byte[Math.Max(size, 64)];
        rng.NextBytes(d);
        "Exif\0\0"u8.CopyTo(d);
        bool little = rng.Next(2) == 0;
        (little ? "II*\0"u8 : "MM\0*"u8).CopyTo(d.AsSpan(6));
        const int tiff = 6; // offsets below are from the TIFF header, as EXIF's are
        void U16(int at, int v) { if (tiff + at + 2 <= d.Length) { if (little) BinaryPrimitives.WriteUInt16LittleEndian(d.AsSpan(tiff + at), (ushort)v); else BinaryPrimitives.WriteUInt16BigEndian(d.AsSpan(tiff + at), (ushort)v); } }
        void U32(int at, uint v) { if (tiff + at + 4 <= d.Length) { if (little) BinaryPrimitives.WriteUInt32LittleEndian(d.AsSpan(tiff + at), v); else BinaryPrimitives.WriteUInt32BigEndian(d.AsSpan(tiff + at), v); } }
        U32(4, rng.Next(4) == 0 ? (uint)rng.Next() : 8);
        int entries = rng.Next(3) == 0 ? 0xFFFF : 1 + rng.Next(4);
        U16(8, entries);
        for (int e = 0; e < Math.Min(entries, 4); e++)
        {
            int at = 10 + 12 * e;
            U16(at, e == 0 ? 0x0112 : rng.Next(2) == 0 ? 0x8769 : rng.Next(65536)); // orientation, Exif IFD pointer, anything
            U16(at + 2, 1 + rng.Next(12));
            U32(at + 4, rng.Next(2) == 0 ? 1 : (uint)rng.Next());
            U32(at + 8, (uint)(rng.Next(3) switch { 0 => rng.Next(10), 1 => 8, _ => rng.Next() }));
        }
        U32(10 + 12 * Math.Min(entries, 4), rng.Next(2) == 0 ? 8 : (uint)rng.Next()); // next IFD: often a loop back to the first
        return d;
    }

    private static byte[] Junk(Random rng, int size)
    {
        var d = new byte[size];
        if (rng.Next(2) == 0) rng.NextBytes(d); else d.AsSpan().Fill((byte)rng.Next(256));
        return d;
    }

    // ---- JPEG ----

    private record struct Segment(byte Marker, int Start, int Length); // Start: the 0xFF; Length: the length field (payload + 2)

    private static bool IsSof(byte m) => m is >= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC;

    /// <summary>The marker segments up to and including the first SOS (the entropy-coded data follows it).</summary>
    private static List<Segment> JpegSegments(byte[] d)
    {
        var list = new List<Segment>();
        int at = 2;
        while (at + 4 <= d.Length && d[at] == 0xFF)
        {
            byte marker = d[at + 1];
            if (marker == 0xFF) { at++; continue; }
            int len = BinaryPrimitives.ReadUInt16BigEndian(d.AsSpan(at + 2));
            list.Add(new Segment(marker, at, len));
            if (marker == 0xDA || len < 2) break;
            at += 2 + len;
        }
        return list;
    }

    private static byte[] JpegStructure(byte[] data, Random rng)
    {
        var segments = JpegSegments(data);
        if (segments.Count == 0) return BitFlips(data, data, rng);
        // Prefer the segments a decoder builds its state from.
        var important = segments.Where(s => IsSof(s.Marker) || s.Marker is 0xC4 or 0xDB or 0xDA or 0xDD).ToList();
        var s = important.Count > 0 && rng.Next(4) > 0 ? important[rng.Next(important.Count)] : segments[rng.Next(segments.Count)];
        var d = (byte[])data.Clone();
        int payload = s.Start + 4, end = Math.Min(d.Length, s.Start + 2 + s.Length);
        switch (rng.Next(9))
        {
            case 0: // length field lies
                BinaryPrimitives.WriteUInt16BigEndian(d.AsSpan(s.Start + 2), (ushort)(rng.Next(3) switch { 0 => rng.Next(4), 1 => 0xFFFF, _ => s.Length + rng.Next(-8, 9) }));
                return d;
            case 1: // delete the segment
                return [.. d.AsSpan(0, s.Start), .. d.AsSpan(Math.Min(d.Length, s.Start + 2 + s.Length))];
            case 2: // duplicate it (two SOFs, two SOSs, tables redefined)
                return [.. d.AsSpan(0, end), .. d.AsSpan(s.Start, end - s.Start), .. d.AsSpan(end)];
            case 3 when IsSof(s.Marker) && payload + 6 <= d.Length: // precision, component count, sampling factors, table ids
                {
                    int comps = d[payload + 5];
                    switch (rng.Next(4))
                    {
                        case 0: d[payload] = (byte)(rng.Next(2) == 0 ? 12 : rng.Next(256)); break;
                        case 1: d[payload + 5] = (byte)(new[] { 0, 1, 2, 4, 255 })[rng.Next(5)]; break;
                        default:
                            for (int c = 0; c < comps && payload + 6 + 3 * c + 2 < d.Length; c++)
                            {
                                if (rng.Next(2) == 0) d[payload + 7 + 3 * c] = (byte)(new[] { 0x00, 0x11, 0x22, 0x44, 0x41, 0x14, 0xFF, 0x33 })[rng.Next(8)];
                                if (rng.Next(3) == 0) d[payload + 8 + 3 * c] = (byte)rng.Next(8);
                            }
                            break;
                    }
                    return d;
                }
            case 4 when s.Marker == 0xC4 && payload + 17 <= d.Length: // Huffman counts that overflow, odd class/id
                if (rng.Next(3) == 0) d[payload] = (byte)rng.Next(256);
                for (int i = 0; i < 16; i++) if (rng.Next(3) == 0) d[payload + 1 + i] = (byte)rng.Next(256);
                return d;
            case 5 when s.Marker == 0xDB && payload + 1 <= d.Length: // 16-bit precision flag, table id out of range, zero quantisers
                d[payload] = (byte)(rng.Next(3) switch { 0 => 0x10 | d[payload] & 0x0F, 1 => rng.Next(16), _ => rng.Next(256) });
                if (rng.Next(2) == 0) d.AsSpan(payload + 1, Math.Min(64, d.Length - payload - 1)).Clear();
                return d;
            case 6 when s.Marker == 0xDA && payload + 1 <= d.Length: // scan header: components, table selectors, Ss/Se/Ah/Al
                {
                    int ns = d[payload];
                    int tail = payload + 1 + 2 * ns;
                    switch (rng.Next(3))
                    {
                        case 0: d[payload] = (byte)(new[] { 0, 2, 4, 5, 255 })[rng.Next(5)]; break;
                        case 1: for (int c = 0; c < ns && payload + 2 + 2 * c < d.Length; c++) d[payload + 2 + 2 * c] = (byte)rng.Next(256); break;
                        default: for (int i = 0; i < 3 && tail + i < d.Length; i++) d[tail + i] = (byte)rng.Next(256); break;
                    }
                    return d;
                }
            case 7: // a restart interval with no restart markers in the data, or markers in the entropy data
                {
                    int sos = segments[^1].Marker == 0xDA ? segments[^1].Start : d.Length;
                    if (rng.Next(2) == 0)
                        return [.. d.AsSpan(0, sos), 0xFF, 0xDD, 0x00, 0x04, (byte)rng.Next(256), (byte)(1 + rng.Next(255)), .. d.AsSpan(sos)];
                    for (int i = 0; i < 1 + rng.Next(4); i++)
                    {
                        int at = sos + rng.Next(Math.Max(1, d.Length - sos - 1));
                        if (at + 1 < d.Length) { d[at] = 0xFF; d[at + 1] = (byte)(new[] { 0xD0, 0xD3, 0xD7, 0xD9, 0xD8, 0xC0, 0xC4, 0xDA })[rng.Next(8)]; }
                    }
                    return d;
                }
            default: // garble the payload
                for (int i = payload; i < end; i++) if (rng.Next(8) == 0) d[i] = (byte)rng.Next(256);
                return d;
        }
    }

    // ---- PNG ----

    private record struct Chunk(string FourCc, int Start, int Length); // Start: the length field; Length: the payload's

    private static List<Chunk> PngChunks(byte[] d)
    {
        var list = new List<Chunk>();
        for (int at = 8; at + 12 <= d.Length;)
        {
            int len = BinaryPrimitives.ReadInt32BigEndian(d.AsSpan(at));
            list.Add(new Chunk(Encoding.ASCII.GetString(d, at + 4, 4), at, len));
            if (len < 0 || at + 12L + len > d.Length) break;
            at += 12 + len;
        }
        return list;
    }

    private static void FixPngCrc(byte[] d, int chunkStart)
    {
        int len = BinaryPrimitives.ReadInt32BigEndian(d.AsSpan(chunkStart));
        if (len < 0 || chunkStart + 12L + len > d.Length) return;
        BinaryPrimitives.WriteUInt32BigEndian(d.AsSpan(chunkStart + 8 + len), Crc32(d.AsSpan(chunkStart + 4, 4 + len)));
    }

    private static void WritePngChunk(Stream s, string type, ReadOnlySpan<byte> payload)
    {
        Span<byte> head = stackalloc byte[8];
        BinaryPrimitives.WriteInt32BigEndian(head, payload.Length);
        Encoding.ASCII.GetBytes(type, head[4..]);
        s.Write(head);
        s.Write(payload);
        Span<byte> sum = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(sum, Crc32([.. head[4..], .. payload]));
        s.Write(sum);
    }

    private static byte[] PngStructure(byte[] data, Random rng)
    {
        var chunks = PngChunks(data);
        if (chunks.Count == 0) return BitFlips(data, data, rng);
        var d = (byte[])data.Clone();
        var c = rng.Next(3) == 0 ? chunks[0] : chunks[rng.Next(chunks.Count)];
        bool fixCrc = rng.Next(4) > 0;
        bool whole = c.Length >= 0 && c.Start + 12L + c.Length <= d.Length; // the chunk, its length field honest, lies inside the file
        switch (rng.Next(7))
        {
            case 0 when c.FourCc == "IHDR" && c.Start + 21 <= d.Length: // bit depth, colour type, compression, filter, interlace
                d[c.Start + 8 + 8 + rng.Next(5)] = (byte)(rng.Next(2) == 0 ? new[] { 0, 1, 2, 3, 4, 6, 8, 16, 7, 255 }[rng.Next(10)] : rng.Next(256));
                break;
            case 1: // the length field lies
                BinaryPrimitives.WriteInt32BigEndian(d.AsSpan(c.Start), rng.Next(3) switch { 0 => 0, 1 => int.MaxValue, _ => c.Length + rng.Next(-16, 17) });
                return d;
            case 2: // the CRC lies
                if (whole) d[c.Start + 8 + c.Length + rng.Next(4)] ^= (byte)(1 + rng.Next(255));
                return d;
            case 3: // drop the chunk (IEND, IDAT, PLTE, IHDR itself)
                if (!whole) return d;
                return [.. d.AsSpan(0, c.Start), .. d.AsSpan(c.Start + 12 + c.Length)];
            case 4: // duplicate the chunk
                if (!whole) return d;
                return [.. d.AsSpan(0, c.Start + 12 + c.Length), .. d.AsSpan(c.Start, 12 + c.Length), .. d.AsSpan(c.Start + 12 + c.Length)];
            case 5: // insert a PLTE / tRNS / acTL of odd size after IHDR
                {
                    using var ms = new MemoryStream();
                    ms.Write(d, 0, Math.Min(33, d.Length));
                    var type = new[] { "PLTE", "tRNS", "acTL", "fcTL", "sBIT", "gAMA" }[rng.Next(6)];
                    WritePngChunk(ms, type, Junk(rng, rng.Next(800)));
                    if (d.Length > 33) ms.Write(d, 33, d.Length - 33);
                    return ms.ToArray();
                }
            default: // garble the payload (IDAT's zlib stream, mostly)
                for (int i = c.Start + 8; i < Math.Min(d.Length, c.Start + 8 + Math.Max(0, c.Length)); i++) if (rng.Next(16) == 0) d[i] = (byte)rng.Next(256);
                break;
        }
        if (fixCrc) FixPngCrc(d, c.Start);
        return d;
    }

    // ---- WebP ----

    private static List<Chunk> RiffChunks(byte[] d)
    {
        var list = new List<Chunk>();
        for (int at = 12; at + 8 <= d.Length;)
        {
            int len = BinaryPrimitives.ReadInt32LittleEndian(d.AsSpan(at + 4));
            var fourCc = Encoding.ASCII.GetString(d, at, 4);
            list.Add(new Chunk(fourCc, at, len));
            if (fourCc == "ANMF" && at + 24 <= d.Length) { at += 24; continue; } // frames nest their image chunks
            if (len < 0 || at + 8L + len > d.Length) break;
            at += 8 + len + (len & 1);
        }
        return list;
    }

    private static byte[] WebpStructure(byte[] data, Random rng)
    {
        var d = (byte[])data.Clone();
        var chunks = RiffChunks(d);
        if (chunks.Count == 0 || rng.Next(5) == 0)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(d.AsSpan(4), (uint)(rng.Next(3) switch { 0 => 0, 1 => uint.MaxValue, _ => (uint)(d.Length - 8 + rng.Next(-64, 65)) }));
            return d;
        }
        var c = chunks[rng.Next(chunks.Count)];
        var payload = d.AsSpan(Math.Min(d.Length, c.Start + 8));
        switch (rng.Next(5))
        {
            case 0: BinaryPrimitives.WriteInt32LittleEndian(d.AsSpan(c.Start + 4), rng.Next(3) switch { 0 => 0, 1 => int.MaxValue, _ => c.Length + rng.Next(-32, 33) }); break;
            case 1 when c.FourCc == "VP8X" && payload.Length >= 1: payload[0] = (byte)rng.Next(256); break; // feature flags (animation, alpha, ICC, EXIF) that lie
            case 2 when c.FourCc == "ANMF" && payload.Length >= 16: for (int i = 0; i < 16; i++) if (rng.Next(3) == 0) payload[i] = (byte)rng.Next(256); break; // frame offsets, sizes, duration, blend
            case 3: Encoding.ASCII.GetBytes(new[] { "VP8 ", "VP8L", "VP8X", "ALPH", "ANIM", "ANMF", "XXXX" }[rng.Next(7)], d.AsSpan(c.Start, 4)); break;
            default: for (int i = 0; i < Math.Min(payload.Length, 64); i++) if (rng.Next(6) == 0) payload[i] = (byte)rng.Next(256); break; // the bitstream header
        }
        return d;
    }

    private static void Write24(Span<byte> at, int value)
    {
        at[0] = (byte)value; at[1] = (byte)(value >> 8); at[2] = (byte)(value >> 16);
    }

    private static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    private static readonly uint[] CrcTable = [.. Enumerable.Range(0, 256).Select(n =>
    {
        uint c = (uint)n;
        for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320 ^ (c >> 1) : c >> 1;
        return c;
    })];

    /// <summary>PNG's CRC-32 (ISO 3309), over a chunk's type and payload.</summary>
    public static uint Crc32(ReadOnlySpan<byte> bytes)
    {
        uint c = 0xFFFFFFFF;
        foreach (var b in bytes) c = CrcTable[(c ^ b) & 0xFF] ^ (c >> 8);
        return c ^ 0xFFFFFFFF;
    }

    /// <summary>'J', 'P', 'W' for JPEG, PNG, WebP by signature, else '?'.</summary>
    public static char Kind(ReadOnlySpan<byte> d) =>
        d.Length >= 3 && d[0] == 0xFF && d[1] == 0xD8 ? 'J'
        : d.Length >= 8 && d[..8].SequenceEqual(PngSignature) ? 'P'
        : d.Length >= 12 && d[..4].SequenceEqual("RIFF"u8) && d[8..12].SequenceEqual("WEBP"u8) ? 'W' : '?';
}
