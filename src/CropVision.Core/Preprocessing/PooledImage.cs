using System.Buffers;
using System.Runtime.InteropServices;
using SkiaSharp;

namespace CropVision.Core.Preprocessing;

/// <summary>
/// RGBA pixels (unpremultiplied, rows packed) in a buffer rented from <see cref="ArrayPool{T}"/>: the preprocessing
/// path's intermediates, so a request allocates no large objects. Returned to the pool on <see cref="Dispose"/>.
/// Bigger images (a full-size PNG, or a hostile header claiming one) get native memory freed on <see cref="Dispose"/>,
/// so neither the pool nor the GC heap keeps hundreds of MB after the request.
/// </summary>
public sealed unsafe class PooledImage : IDisposable
{
    private const int MaxPooledBytes = 16 << 20;
    private byte[]? _array;
    private byte* _native;

    private PooledImage(int width, int height)
    {
        Width = width;
        Height = height;
        Length = checked(width * height * 4);
        if (Length <= MaxPooledBytes) _array = ArrayPool<byte>.Shared.Rent(Length);
        else _native = (byte*)NativeMemory.Alloc((nuint)Length);
    }

    public int Width { get; }
    public int Height { get; }
    public int RowBytes => Width * 4;
    private int Length { get; }
    public SKImageInfo Info => new(Width, Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);

    public Span<byte> Pixels =>
        _array is not null ? _array.AsSpan(0, Length)
        : _native is not null ? new Span<byte>(_native, Length)
        : throw new ObjectDisposedException(nameof(PooledImage));

    /// <summary>The pixels' address, fixed until the handle is disposed (for native calls).</summary>
    public MemoryHandle Pin() =>
        _array is not null ? _array.AsMemory().Pin()
        : _native is not null ? new MemoryHandle(_native)
        : throw new ObjectDisposedException(nameof(PooledImage));

    /// <summary>An image of this size whose pixels are not yet written.</summary>
    public static PooledImage Rent(int width, int height)
    {
        if (width <= 0 || height <= 0) throw new ArgumentOutOfRangeException(nameof(width), $"{width}x{height} is not an image size.");
        return new PooledImage(width, height);
    }

    /// <summary>A new bitmap holding a copy of these pixels (for callers that keep the image).</summary>
    public SKBitmap ToBitmap()
    {
        var bitmap = new SKBitmap(Info);
        var to = bitmap.GetPixelSpan();
        for (int y = 0; y < Height; y++) Pixels.Slice(y * RowBytes, RowBytes).CopyTo(to.Slice(y * bitmap.RowBytes, RowBytes));
        return bitmap;
    }

    /// <summary>Draws these pixels onto <paramref name="canvas"/> into <paramref name="to"/>, without copying them first.</summary>
    public void DrawTo(SKCanvas canvas, SKRect to, SKSamplingOptions sampling)
    {
        using var pinned = Pin();
        using var image = SKImage.FromPixels(new SKPixmap(Info, (IntPtr)pinned.Pointer, RowBytes))
            ?? throw new InvalidOperationException("The pixels could not be wrapped as an image.");
        canvas.DrawImage(image, to, sampling);
    }

    public void Dispose()
    {
        if (_array is { } array) ArrayPool<byte>.Shared.Return(array);
        _array = null;
        FreeNative();
        GC.SuppressFinalize(this);
    }

    // Only native memory needs a finaliser (an image never disposed); a pooled array is simply collected.
    ~PooledImage() => FreeNative();

    private void FreeNative()
    {
        if (_native is null) return;
        NativeMemory.Free(_native);
        _native = null;
    }
}
