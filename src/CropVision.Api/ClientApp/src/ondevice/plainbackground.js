// CropVision.Core/Preprocessing/PlainBackground.cs, written once for the browser: whether a near-square photo shows a
// whole leaf on a plain background (3 or 4 of its corner patches half nearly grey) and the leaf's box. Integer
// arithmetic on the same grid of samples, so the phone decides exactly as the service on the same pixels.

const CHROMA_AT_MOST = 28, BRIGHT_AT_LEAST = 96, SAMPLES_ACROSS = 128, WHOLE_LEAF_CORNERS = 3;

/** { wholeLeaf, x, y, width, height } of RGBA pixels { width, height, data }. */
export function measurePlain(img) {
  const { width, height, data } = img, rowBytes = width * 4;
  const step = Math.max(1, Math.floor(Math.min(width, height) / SAMPLES_ACROSS));
  const cols = Math.floor((width + step - 1) / step), rows = Math.floor((height + step - 1) / step);
  const inRow = new Int32Array(rows), inCol = new Int32Array(cols), plain = new Uint8Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const line = r * step * rowBytes;
    for (let c = 0; c < cols; c++) {
      const i = line + c * step * 4, red = data[i], green = data[i + 1], blue = data[i + 2];
      const max = Math.max(red, green, blue), min = Math.min(red, green, blue);
      if (max - min <= CHROMA_AT_MOST && max >= BRIGHT_AT_LEAST) plain[r * cols + c] = 1;
      else { inRow[r]++; inCol[c]++; }
    }
  }
  const cr = Math.max(1, Math.floor(rows / 8)), cc = Math.max(1, Math.floor(cols / 8));
  const corner = (r0, c0) => {
    let n = 0;
    for (let r = r0; r < r0 + cr; r++) for (let c = c0; c < c0 + cc; c++) n += plain[r * cols + c];
    return n * 2 >= cr * cc ? 1 : 0;
  };
  const corners = corner(0, 0) + corner(0, cols - cc) + corner(rows - cr, 0) + corner(rows - cr, cols - cc);
  const wholeLeaf = corners >= WHOLE_LEAF_CORNERS;
  const [r0, r1] = span(inRow, cols), [c0, c1] = span(inCol, rows);
  if (r1 < r0 || c1 < c0) return { wholeLeaf, x: 0, y: 0, width, height };
  let x0 = c0 * step, x1 = Math.min(width, (c1 + 1) * step), y0 = r0 * step, y1 = Math.min(height, (r1 + 1) * step);
  const mx = Math.floor((x1 - x0) / 32), my = Math.floor((y1 - y0) / 32);
  x0 = Math.max(0, x0 - mx); x1 = Math.min(width, x1 + mx);
  y0 = Math.max(0, y0 - my); y1 = Math.min(height, y1 + my);
  return { wholeLeaf, x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

function span(coloured, of) {
  let first = -1, last = -2;
  for (let i = 0; i < coloured.length; i++) if (coloured[i] * 32 >= of) { if (first < 0) first = i; last = i; }
  return first < 0 ? [0, -1] : [first, last];
}

/** The box grown to aspectW:aspectH around its centre inside a width x height image (PlainBackground.Widen). */
export function widen(x, y, w, h, width, height, aspectW, aspectH) {
  if (w * aspectH >= h * aspectW) {
    const nh = Math.min(height, Math.floor((w * aspectH + aspectW - 1) / aspectW));
    const ny = clamp(y + (h >> 1) - (nh >> 1), 0, height - nh);
    return { x, y: ny, width: w, height: nh };
  }
  const nw = Math.min(width, Math.floor((h * aspectW + aspectH - 1) / aspectH));
  const nx = clamp(x + (w >> 1) - (nw >> 1), 0, width - nw);
  return { x: nx, y, width: nw, height: h };
}

const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));
