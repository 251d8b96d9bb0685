namespace CropVision.Core.Preprocessing;

/// <summary>
/// Whether a photo shows a leaf lying on a plain background (paper, a table) and where the leaf is: the framing a
/// near-square phone photo gets from what it shows rather than from its shape. A pixel is plain when it is nearly grey
/// and not dark (paper, shadowed paper); a leaf, its lesions and dry parts are coloured. Integer arithmetic only, on a
/// fixed grid of samples, so the phone (ClientApp/src/ondevice/plainbackground.js) decides exactly as the service.
/// </summary>
public static class PlainBackground
{
    /// <summary>Largest max(R,G,B) - min(R,G,B) of a plain pixel.</summary>
    public const int ChromaAtMost = 28;
    /// <summary>Smallest max(R,G,B) of a plain pixel (darker grey is shadow or soil, not paper).</summary>
    public const int BrightAtLeast = 96;
    /// <summary>Samples across the short side (the grid step is the short side over this, at least 1 pixel).</summary>
    public const int SamplesAcross = 128;

    /// <summary>Whether a pixel is plain: nearly grey and not dark.</summary>
    public static bool IsPlain(int red, int green, int blue)
    {
        int max = Math.Max(red, Math.Max(green, blue)), min = Math.Min(red, Math.Min(green, blue));
        return max - min <= ChromaAtMost && max >= BrightAtLeast;
    }

    /// <summary>Plain corners from which a near-square photo is a whole leaf on a plain background.</summary>
    public const int WholeLeafCorners = 3;

    /// <summary>
    /// What <see cref="Measure"/> found: how many of the four corner patches (an eighth of each side) are at least half
    /// plain, and the leaf's box in pixels. A whole leaf lies inside its photo with background in the corners (BRACOL
    /// train leaves: 99.8% have 3 or 4 plain corners, 96% of their 4:3 centre crops); a close-up cut from a leaf shows
    /// paper on one side at most (1.4% of BRACOL's lesion close-ups, 1.4% of other crops' in-field photos).
    /// </summary>
    public readonly record struct Finding(int PlainCorners, int X, int Y, int Width, int Height)
    {
        public bool WholeLeaf => PlainCorners >= WholeLeafCorners;
    }

    /// <summary>
    /// The plain corners of the RGBA image and the box around its coloured samples: rows and columns where at least one
    /// sample in 32 is coloured, widened by 1/32 of its size on each side (inside the image). The whole image where no
    /// row or column qualifies.
    /// </summary>
    public static Finding Measure(ReadOnlySpan<byte> rgba, int rowBytes, int width, int height)
    {
        int step = Math.Max(1, Math.Min(width, height) / SamplesAcross);
        int cols = (width + step - 1) / step, rows = (height + step - 1) / step;
        var colouredInRow = new int[rows];
        var colouredInCol = new int[cols];
        var plain = new bool[rows * cols];
        for (int r = 0; r < rows; r++)
        {
            var line = rgba.Slice(r * step * rowBytes);
            for (int c = 0; c < cols; c++)
            {
                int i = c * step * 4;
                if (IsPlain(line[i], line[i + 1], line[i + 2])) plain[r * cols + c] = true;
                else { colouredInRow[r]++; colouredInCol[c]++; }
            }
        }
        int cr = Math.Max(1, rows / 8), cc = Math.Max(1, cols / 8);
        int corners = Corner(plain, cols, 0, 0, cr, cc) + Corner(plain, cols, 0, cols - cc, cr, cc)
            + Corner(plain, cols, rows - cr, 0, cr, cc) + Corner(plain, cols, rows - cr, cols - cc, cr, cc);
        var (r0, r1) = Span(colouredInRow, cols);
        var (c0, c1) = Span(colouredInCol, rows);
        if (r1 < r0 || c1 < c0) return new Finding(corners, 0, 0, width, height);
        int x0 = c0 * step, x1 = Math.Min(width, (c1 + 1) * step);
        int y0 = r0 * step, y1 = Math.Min(height, (r1 + 1) * step);
        int mx = (x1 - x0) / 32, my = (y1 - y0) / 32;
        x0 = Math.Max(0, x0 - mx); x1 = Math.Min(width, x1 + mx);
        y0 = Math.Max(0, y0 - my); y1 = Math.Min(height, y1 + my);
        return new Finding(corners, x0, y0, x1 - x0, y1 - y0);
    }

    /// <summary>1 when at least half the samples of the patch are plain.</summary>
    private static int Corner(bool[] plain, int cols, int r0, int c0, int rows, int count)
    {
        int n = 0;
        for (int r = r0; r < r0 + rows; r++)
            for (int c = c0; c < c0 + count; c++)
                if (plain[r * cols + c]) n++;
        return n * 2 >= rows * count ? 1 : 0;
    }

    /// <summary>First and last index whose coloured count is at least one in 32 of <paramref name="of"/> samples.</summary>
    private static (int First, int Last) Span(int[] coloured, int of)
    {
        int first = -1, last = -2;
        for (int i = 0; i < coloured.Length; i++)
            if (coloured[i] * 32 >= of)
            {
                if (first < 0) first = i;
                last = i;
            }
        return first < 0 ? (0, -1) : (first, last);
    }

    /// <summary>
    /// The box grown to <paramref name="aspectW"/>:<paramref name="aspectH"/> around its centre, inside a
    /// <paramref name="width"/> x <paramref name="height"/> image (where the image is too small in that direction, the box
    /// takes all of it and the resize stretches the rest).
    /// </summary>
    public static (int X, int Y, int Width, int Height) Widen(int x, int y, int w, int h, int width, int height, int aspectW, int aspectH)
    {
        if (w * aspectH >= h * aspectW)
        {
            int nh = Math.Min(height, (w * aspectH + aspectW - 1) / aspectW);
            int ny = Math.Clamp(y + h / 2 - nh / 2, 0, height - nh);
            return (x, ny, w, nh);
        }
        int nw = Math.Min(width, (h * aspectW + aspectH - 1) / aspectH);
        int nx = Math.Clamp(x + w / 2 - nw / 2, 0, width - nw);
        return (nx, y, nw, h);
    }
}
