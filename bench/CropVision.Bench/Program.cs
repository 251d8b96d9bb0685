using CropVision.Bench;

// cropvision-bench decode [--photo FILE] [--iterations N]
var argsList = args.ToList();
string? Arg(string name) { int i = argsList.IndexOf(name); return i >= 0 && i + 1 < argsList.Count ? argsList[i + 1] : null; }
var command = args.FirstOrDefault() ?? "decode";
if (command != "decode") { Console.Error.WriteLine("usage: cropvision-bench decode [--photo FILE] [--iterations N]"); return 2; }

var photoPath = Arg("--photo") ?? FindBracolPhoto();
var photo = photoPath is null ? null : File.ReadAllBytes(photoPath);
Console.WriteLine(photo is null ? "source: synthetic leaf (no BRACOL photo found)" : $"source: real photo {photoPath}, re-encoded at each size");
int iterations = int.Parse(Arg("--iterations") ?? "15", System.Globalization.CultureInfo.InvariantCulture);
var inputs = new (string, byte[])[]
{
    ("4000x3000 JPEG q90", DecodeBenchmark.Jpeg(photo, 4000, 3000, noise: 12)),
    ("2048x1024 JPEG q90", DecodeBenchmark.Jpeg(photo, 2048, 1024, noise: 12)),
    ("512x256 JPEG q90", DecodeBenchmark.Jpeg(photo, 512, 256)),
};
foreach (var (name, bytes) in inputs) Console.WriteLine($"{name}: {bytes.Length / 1024} KiB");
Console.WriteLine($"one thread each, median of {iterations} after one warm-up, {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}");
DecodeBenchmark.Run(inputs, iterations, Console.Out);
return 0;

static string? FindBracolPhoto()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
    {
        var rust = Path.Combine(dir.FullName, "shared", "datasets", "bracol-leaf", "rust");
        if (Directory.Exists(rust)) return Directory.GetFiles(rust, "*.jpg").Order().FirstOrDefault();
    }
    return null;
}
