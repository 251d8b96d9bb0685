using System.Buffers;
using SkiaSharp;

namespace CropVision.Core.Preprocessing;

/// <summary>
/// RGBA pixels (unpremultiplied, rows packed) in a buffer rented from <see cref="ArrayPool{T}"/>: the preprocessing
/// path's intermediates, so a request allocates no large objects. Returned to the pool on <see cref="Dispose"/>.
/// </summary>
public sealed class PooledImage : IDisposable
{
    // Bigger buffers (a full-size PNG) are allocated and left to the GC, so the pool never holds hundreds of MB.
    private const int MaxPooledBytes = 16 << 20;
    private byte[]? _buffer;

    private PooledImage(int width, int height)
    {
        Width = width;
        Height = height;
        int bytes = checked(width * height * 4);
        _buffer = bytes <= MaxPooledBytes ? ArrayPool<byte>.Shared.Rent(bytes) : GC.AllocateUninitializedArray<byte>(bytes);
    }

    public int Width { get; }
    public int Height { get; }
    public int RowBytes => Width * 4;
    public SKImageInfo Info => new(Width, Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
    public Span<byte> Pixels => Buffer.AsSpan(0, RowBytes * Height);
    /// <summary>The whole rented array (longer than <see cref="Pixels"/>); pin it for native calls.</summary>
    internal byte[] Buffer => _buffer ?? throw new ObjectDisposedException(nameof(PooledImage));

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

    public void Dispose()
    {
        var buffer = Interlocked.Exchange(ref _buffer, null);
        if (buffer is not null && buffer.Length <= MaxPooledBytes) ArrayPool<byte>.Shared.Return(buffer);
    }
}
