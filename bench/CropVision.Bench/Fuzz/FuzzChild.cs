using System.Buffers.Binary;
using CropVision.Core.Models;
using CropVision.Core.Preprocessing;

namespace CropVision.Bench.Fuzz;

/// <summary>
/// The fuzzer's child process (`cropvision-bench fuzz-child --model FOLDER --max-pixels N`): reads length-prefixed
/// images on stdin and runs each through the service's preprocessing path (the served model's spec, the service's
/// pixel limit), answering one line per image. A native fault ends this process, never the parent.
/// </summary>
public static class FuzzChild
{
    public const string Ready = "ready";

    /// <summary>Set by `fuzz --self-test` only: planted inputs make the child fault, hang or throw, to prove the parent sees each.</summary>
    public const string SelfTestVariable = "CROPVISION_FUZZ_SELF_TEST";

    public static int Run(string modelFolder, long maxPixels)
    {
        bool selfTest = Environment.GetEnvironmentVariable(SelfTestVariable) == "1";
        var spec = ModelManifest.Read(modelFolder).Preprocessing;
        var tensor = new float[spec.FloatsPerImage];
        using var input = Console.OpenStandardInput();
        using var output = new StreamWriter(Console.OpenStandardOutput()) { AutoFlush = true };
        output.WriteLine(Ready);
        var length = new byte[4];
        while (ReadAll(input, length))
        {
            int n = BinaryPrimitives.ReadInt32LittleEndian(length);
            if (n < 0) break; // the parent's "done"
            var image = new byte[n];
            if (!ReadAll(input, image)) break;
            output.WriteLine(Answer(image, spec, tensor, maxPixels, selfTest));
        }
        return 0;
    }

    /// <summary>"ok Wide", "refused Corrupt" (the expected ImageDecodeException), or "unexpected Type: message | where".</summary>
    public static string Answer(byte[] image, PreprocessingSpec spec, float[] tensor, long maxPixels, bool selfTest = false)
    {
        try
        {
            if (selfTest) Planted(image);
            return $"ok {ImagePreprocessor.Preprocess(image, spec, tensor, maxPixels)}";
        }
        catch (ImageDecodeException e)
        {
            return $"refused {e.Problem}";
        }
        catch (Exception e)
        {
            var where = e.StackTrace?.Split('\n').FirstOrDefault()?.Trim() ?? "";
            return $"unexpected {e.GetType().FullName}: {e.Message.ReplaceLineEndings(" ")} | {where}";
        }
    }

    public static readonly byte[] PlantedFault = "PLANTED-FAULT"u8.ToArray(), PlantedHang = "PLANTED-HANG"u8.ToArray(), PlantedThrow = "PLANTED-THROW"u8.ToArray();

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "memset")]
    private static extern IntPtr NativeMemset(IntPtr destination, int value, nuint count);

    private static void Planted(byte[] image)
    {
        if (image.AsSpan().SequenceEqual(PlantedFault)) NativeMemset(16, 0, 4); // a write to a bad address inside native code, as a decoder bug would make
        if (image.AsSpan().SequenceEqual(PlantedHang)) Thread.Sleep(Timeout.Infinite);
        if (image.AsSpan().SequenceEqual(PlantedThrow)) throw new InvalidOperationException("planted");
    }

    private static bool ReadAll(Stream s, byte[] buffer)
    {
        try
        {
            s.ReadExactly(buffer);
            return true;
        }
        catch (EndOfStreamException) { return false; }
    }
}
