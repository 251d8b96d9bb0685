using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Net.Http.Headers;
using System.Text.Json;
using SkiaSharp;

namespace CropVision.Bench;

/// <summary>
/// `security-probe`: replays issue 19's anonymous upload attacks against a running service and prints what they cost
/// it. Memory: concurrent POST /v1/feedback of a 7000x7000 PNG (~143 KB on the wire, ~196 MB decoded), with the
/// service's resident memory before, at its highest while they run, and after. Disk: feedback JPEGs padded with
/// comment segments to ~19.9 MB, with the bytes the service kept for them. With a user name, sign-in probing first.
/// </summary>
public static class SecurityProbe
{
    public static async Task<int> Run(string url, int? pid, string? dataFolder, int concurrency, int paddedPosts, string? signInUser, TextWriter log)
    {
        using var client = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromMinutes(5) };
        if (signInUser is not null) await SignInProbe.Run(client, signInUser, tries: 5, log);
        var memory = pid is { } p ? (Func<Task<long?>>)(() => Task.FromResult(ProcStatus(p, "VmRSS"))) : () => MetricsRss(client);

        var png = UniformPng(7000, 7000);
        log.WriteLine($"== memory: {concurrency} concurrent feedback posts of a 7000x7000 PNG ({png.Length / 1024.0:F0} KB)");
        var before = await memory();
        long? highest = before;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                if (await memory() is { } now && now > (highest ?? 0)) highest = now;
                try { await Task.Delay(50, sampling.Token); } catch (OperationCanceledException) { }
            }
        });
        var clock = Stopwatch.StartNew();
        var answers = await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => PostAsync(client, png, "huge.png")));
        clock.Stop();
        await sampling.CancelAsync();
        await sampler;
        var after = await memory();
        log.WriteLine($"  statuses: {Statuses(answers)} in {clock.Elapsed.TotalSeconds:F1} s");
        log.WriteLine($"  RSS ({(pid is null ? "process_resident_memory_bytes" : $"/proc/{pid}/status VmRSS")}): before {Mb(before)}, highest while posting {Mb(highest)} (+{Mb(highest - before)}), after {Mb(after)}");
        if (pid is { } id) log.WriteLine($"  VmHWM (the process's peak since it started): {Mb(ProcStatus(id, "VmHWM"))}");
        if (await Metric(client, "cropvision_decodes_peak") is { } peak) log.WriteLine($"  cropvision_decodes_peak: {peak}, slots {await Metric(client, "cropvision_decode_slots")}");

        var large = LargeJpeg();
        var jpeg = PaddedJpeg(large, 19_900_000, 'a');
        log.WriteLine($"== disk: {paddedPosts} feedback posts of a JPEG padded with comment segments to {jpeg.Length / 1e6:F1} MB");
        long? storedBefore = FolderBytes(dataFolder);
        var receipts = new List<(int Status, string Body)>();
        for (int i = 0; i < paddedPosts; i++)
            receipts.Add(await PostAsync(client, i == 0 ? jpeg : PaddedJpeg(large, 19_900_000, (char)('a' + i)), $"padded-{i}.jpg", seed: i)); // other padding each: no two alike
        long? storedAfter = FolderBytes(dataFolder);
        log.WriteLine($"  statuses: {Statuses(receipts)}; sent {paddedPosts * (long)jpeg.Length / 1e6:F1} MB");
        foreach (var (_, body) in receipts.Take(1)) log.WriteLine($"  receipt: {body}");
        log.WriteLine(storedAfter is null
            ? "  bytes stored: give --data (the service's Store:DataFolder) to measure"
            : $"  bytes stored under {dataFolder}/photos and /thumbs: +{storedAfter - storedBefore:N0} ({(storedAfter - storedBefore) / (double)Math.Max(1, paddedPosts):N0} per post)");
        return 0;
    }

    private static async Task<(int Status, string Body)> PostAsync(HttpClient client, byte[] photo, string name, int seed = 0)
    {
        using var form = new MultipartFormDataContent();
        foreach (var (field, value) in new[] { ("crop", "coffee"), ("modelVersion", "1"), ("label", "rust"), ("confidence", "0.87"), ("status", "ok"),
                     ("verdict", seed % 2 == 0 ? "right" : "wrong") })
            form.Add(new StringContent(value), field);
        var part = new ByteArrayContent(photo);
        part.Headers.ContentType = new MediaTypeHeaderValue(name.EndsWith(".png", StringComparison.Ordinal) ? "image/png" : "image/jpeg");
        form.Add(part, "image", name);
        using var response = await client.PostAsync("/v1/feedback", form);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static string Statuses(IEnumerable<(int Status, string Body)> answers) =>
        string.Join(", ", answers.GroupBy(a => a.Status).OrderBy(g => g.Key).Select(g => $"{g.Key} x{g.Count()}"));

    private static string Mb(long? bytes) => bytes is { } b ? (b / 1048576.0).ToString("F0", CultureInfo.InvariantCulture) + " MB" : "n/a";

    /// <summary>A field of /proc/&lt;pid&gt;/status in bytes (VmRSS now, VmHWM the peak).</summary>
    private static long? ProcStatus(int pid, string field)
    {
        var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith(field + ":", StringComparison.Ordinal));
        return line is null ? null : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }

    private static async Task<long?> MetricsRss(HttpClient client) => await Metric(client, "process_resident_memory_bytes") is { } v ? (long)v : null;

    private static async Task<double?> Metric(HttpClient client, string name)
    {
        var text = await client.GetStringAsync("/metrics");
        var line = text.Split('\n').FirstOrDefault(l => l.StartsWith(name + " ", StringComparison.Ordinal));
        return line is null ? null : double.Parse(line[(name.Length + 1)..], CultureInfo.InvariantCulture);
    }

    private static long? FolderBytes(string? folder) => folder is null ? null
        : new[] { "photos", "thumbs" }.Select(f => Path.Combine(folder, f)).Where(Directory.Exists)
            .SelectMany(f => Directory.EnumerateFiles(f, "*", SearchOption.AllDirectories)).Sum(f => new FileInfo(f).Length);

    /// <summary>One colour, RGB, written row by row: small on the wire, width x height x 4 bytes once decoded.</summary>
    private static byte[] UniformPng(int width, int height)
    {
        using var pixels = new MemoryStream();
        using (var z = new ZLibStream(pixels, CompressionLevel.Optimal, leaveOpen: true))
        {
            var row = new byte[1 + width * 3];
            for (int x = 0; x < width; x++) (row[1 + 3 * x], row[2 + 3 * x], row[3 + 3 * x]) = ((byte)40, (byte)140, (byte)50);
            for (int y = 0; y < height; y++) z.Write(row);
        }
        using var png = new MemoryStream();
        png.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        Chunk(png, "IHDR", [.. BigEndian(width), .. BigEndian(height), 8, 2, 0, 0, 0]);
        Chunk(png, "IDAT", pixels.ToArray());
        Chunk(png, "IEND", []);
        return png.ToArray();
    }

    private static void Chunk(Stream png, string type, byte[] data)
    {
        byte[] typed = [.. System.Text.Encoding.ASCII.GetBytes(type), .. data];
        png.Write(BigEndian(data.Length));
        png.Write(typed);
        png.Write(BigEndian((int)Crc32(typed)));
    }

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

    private static byte[] BigEndian(int v) => [(byte)(v >> 24), (byte)(v >> 16), (byte)(v >> 8), (byte)v];

    /// <summary>A 4000x3000 phone-sized JPEG (a leaf-green gradient).</summary>
    private static byte[] LargeJpeg()
    {
        using var surface = SKSurface.Create(new SKImageInfo(4000, 3000));
        using var paint = new SKPaint { Shader = SKShader.CreateLinearGradient(new SKPoint(0, 0), new SKPoint(4000, 3000), [new SKColor(30, 120, 40), new SKColor(200, 180, 60)], SKShaderTileMode.Clamp) };
        surface.Canvas.DrawRect(0, 0, 4000, 3000, paint);
        using var image = surface.Snapshot();
        using var data = image.Encode(SKEncodedImageFormat.Jpeg, 90);
        return data.ToArray();
    }

    /// <summary>The JPEG with comment (COM) segments of <paramref name="filler"/> after SOI until it is at least <paramref name="total"/> bytes.</summary>
    private static byte[] PaddedJpeg(byte[] jpeg, int total, char filler)
    {
        var output = new MemoryStream(total + 65536);
        output.Write(jpeg, 0, 2);
        var comment = new byte[65533];
        Array.Fill(comment, (byte)filler);
        while (output.Length + jpeg.Length - 2 < total) { output.Write([0xFF, 0xFE, 0xFF, 0xFF]); output.Write(comment); }
        output.Write(jpeg, 2, jpeg.Length - 2);
        return output.ToArray();
    }
}
