using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using CropVision.Tests.Support;
using SkiaSharp;

namespace CropVision.Tests.Browser;

/// <summary>The web app's string table (ClientApp/src/strings.json), so tests look for the texts users see.</summary>
public static class WebStrings
{
    private static readonly Lazy<JsonElement> Table = new(() => JsonDocument.Parse(File.ReadAllText(
        Path.Combine(SharedData.RepositoryRoot, "src", "CropVision.Api", "ClientApp", "src", "strings.json"))).RootElement);

    public static string Get(string lang, string key) => Table.Value.GetProperty(lang).GetProperty(key).GetString()!;
    public static string Vi(string key) => Get("vi", key);
    public static string En(string key) => Get("en", key);
}

/// <summary>
/// The app shell as a phone downloads it: the page, what it links (CSS, JS, icon, manifest), the manifest's icons and
/// the service worker, each requested with Accept-Encoding: br, gzip and counted as sent (compressed body + headers).
/// </summary>
public sealed record ShellSize(IReadOnlyList<(string Path, long Bytes, string? Encoding)> Files)
{
    public long Total => Files.Sum(f => f.Bytes);
    public string Describe() => string.Join(", ", Files.Select(f => $"{f.Path} {f.Bytes} ({f.Encoding ?? "identity"})"));

    public static async Task<ShellSize> MeasureAsync(string baseUrl)
    {
        using var http = new HttpClient(new HttpClientHandler { AutomaticDecompression = DecompressionMethods.None }) { BaseAddress = new Uri(baseUrl) };
        var files = new List<(string, long, string?)>();
        async Task<string> Get(string path)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.TryAddWithoutValidation("Accept-Encoding", "br, gzip");
            using var response = await http.SendAsync(request);
            response.EnsureSuccessStatusCode();
            var body = await response.Content.ReadAsByteArrayAsync();
            var headers = response.Headers.Concat(response.Content.Headers).Sum(h => h.Key.Length + 4 + string.Join(", ", h.Value).Length) + 19;
            var encoding = response.Content.Headers.ContentEncoding.FirstOrDefault();
            files.Add((path, body.Length + headers, encoding));
            using var decoded = encoding switch
            {
                "br" => (Stream)new System.IO.Compression.BrotliStream(new MemoryStream(body), System.IO.Compression.CompressionMode.Decompress),
                "gzip" => new System.IO.Compression.GZipStream(new MemoryStream(body), System.IO.Compression.CompressionMode.Decompress),
                _ => new MemoryStream(body),
            };
            return await new StreamReader(decoded).ReadToEndAsync();
        }
        var html = await Get("/");
        var linked = Regex.Matches(html, "(?:href|src)=\"(/[^\"]+)\"").Select(m => m.Groups[1].Value).Distinct().ToList();
        foreach (var path in linked.Where(p => !p.EndsWith(".webmanifest", StringComparison.Ordinal))) await Get(path);
        var manifest = JsonDocument.Parse(await Get("/manifest.webmanifest")).RootElement;
        foreach (var icon in manifest.GetProperty("icons").EnumerateArray().Select(i => i.GetProperty("src").GetString()!).Except(linked)) await Get(icon);
        await Get("/sw.js");
        return new ShellSize(files);
    }
}

/// <summary>Phone-sized JPEGs made from a real photo (as the decode benchmark makes them): upscaled, with seeded sensor-like noise.</summary>
public static class PhoneLikePhoto
{
    /// <summary>width x height JPEG (quality 90); rotate: the picture turned a quarter anticlockwise, as stored by a phone held sideways.</summary>
    public static byte[] Jpeg(byte[] source, int width, int height, bool rotate = false, int noise = 12)
    {
        using var photo = SKBitmap.Decode(source);
        using var surface = SKSurface.Create(new SKImageInfo(width, height));
        var canvas = surface.Canvas;
        if (rotate)
        {
            // Draw the upright picture (height x width) turned 90 degrees anticlockwise; EXIF orientation 6 turns it back.
            canvas.Translate(0, height);
            canvas.RotateDegrees(-90);
            canvas.DrawImage(SKImage.FromBitmap(photo), new SKRect(0, 0, height, width), new SKSamplingOptions(SKCubicResampler.Mitchell));
        }
        else canvas.DrawImage(SKImage.FromBitmap(photo), new SKRect(0, 0, width, height), new SKSamplingOptions(SKCubicResampler.Mitchell));
        using var image = surface.Snapshot();
        using var noisy = SKBitmap.FromImage(image);
        var px = noisy.GetPixelSpan();
        var rng = new Random(1);
        for (int i = 0; i < px.Length; i++) if (i % 4 != 3) px[i] = (byte)Math.Clamp(px[i] + rng.Next(-noise, noise + 1), 0, 255);
        using var data = noisy.Encode(SKEncodedImageFormat.Jpeg, 90);
        return data.ToArray();
    }
}
