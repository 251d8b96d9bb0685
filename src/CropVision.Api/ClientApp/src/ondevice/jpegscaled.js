// The service's JPEG decode, in JS: libjpeg-turbo (inside SkiaSharp) at scale M/8 (ImageDecoder.ChooseDecodeSize),
// then the EXIF turn (Orientation.ApplyExif). From the real coefficients (jpegcoeffs.js):
//  - each component's IDCT size as jdmaster.c picks it: M, doubled while that still divides the subsampling (so
//    4:2:0 chroma gets a 2M-point IDCT and needs no upsampling; 4:2:2 chroma keeps M and is upsampled);
//  - the scaled IDCTs of idct.js;
//  - jdsample.c's upsampling: 1:1 copy, or h2v1 'fancy' (triangle) for 4:2:2; other ratios are not handled (null);
//  - jdcolor.c's YCbCr -> RGB with its 16-bit fixed-point tables (greyscale: R = G = B = Y).
// Returns RGBA pixels upright, or null where the file or its sampling is not handled here.

import { readCoefficients } from './jpegcoeffs.js';
import { idctBlock, exactSize } from './idct.js';

const SCALEBITS = 16, HALF = 1 << (SCALEBITS - 1);
const FIX16 = (x) => Math.floor(x * 65536 + 0.5);
const CR_R = new Int32Array(256), CB_B = new Int32Array(256), CR_G = new Float64Array(256), CB_G = new Float64Array(256);
for (let i = 0; i < 256; i++) {
  const x = i - 128;
  CR_R[i] = Math.floor((FIX16(1.402) * x + HALF) / 65536);
  CB_B[i] = Math.floor((FIX16(1.772) * x + HALF) / 65536);
  CR_G[i] = -FIX16(0.71414) * x;
  CB_G[i] = -FIX16(0.34414) * x + HALF;
}
const clamp = (v) => (v < 0 ? 0 : v > 255 ? 255 : v);

/**
 * As ImageDecoder.DecodeUprightPooled for a JPEG: minimumFor(uprightW, uprightH) gives the upright size wanted; the
 * smallest M/8 (M < 8) whose ceil(size * M / 8) covers it is decoded, then turned upright. Null where the service
 * would decode in full (the browser's own decoder does that) or the file is not handled here.
 */
export function decodeUpright(bytes, minimumFor) {
  const jpeg = readCoefficients(bytes);
  if (!jpeg) return null;
  const { width: w, height: h, orientation } = jpeg, swaps = orientation >= 5;
  const [minW, minH] = swaps ? minimumFor(h, w) : minimumFor(w, h);
  const needW = swaps ? minH : minW, needH = swaps ? minW : minH;
  let m = 0;
  for (let k = 1; k < 8 && !m; k++) {
    const sw = Math.ceil(w * k / 8), sh = Math.ceil(h * k / 8);
    if (sw >= needW && sh >= needH && sw < w) m = k;
  }
  if (!m) return null;
  const img = decodeScaled(jpeg, m);
  return img && { ...applyExif(img, orientation), eighths: m };
}

/** The decoded image at M/8 (1 <= M <= 8) from readJpeg's result, in stored orientation; null if not handled. */
export function decodeScaled(jpeg, m) {
  const { width, height, comps, hmax, vmax } = jpeg;
  const W = Math.ceil(width * m / 8), H = Math.ceil(height * m / 8);
  if (comps.length !== 1 && comps.length !== 3) return null;
  const planes = [];
  let exact = true;
  for (const c of comps) {
    let N = m;
    while (N < 8 && (hmax * m) % (c.h * N * 2) === 0 && (vmax * m) % (c.v * N * 2) === 0) N *= 2;
    exact &&= exactSize(N);
    // Upsampling ratio to the output grid.
    const rx = (hmax * m) / (c.h * N), ry = (vmax * m) / (c.v * N);
    if (!((rx === 1 && ry === 1) || (rx === 2 && ry === 1 && comps.length === 3))) return null;
    const pw = c.blocksW * N, plane = new Uint8Array(pw * c.blocksH * N);
    for (let by = 0; by < c.blocksH; by++) for (let bx = 0; bx < c.blocksW; bx++) {
      idctBlock(N, c.coefs, (by * c.blocksW + bx) * 64, c.qt, plane, by * N * pw + bx * N, pw);
    }
    // The samples libjpeg keeps for this component (downsampled_width in jdmaster.c terms).
    const dw = Math.ceil(width * c.h * N / (hmax * 8));
    planes.push({ plane, pw, rx, dw });
  }
  const out = new Uint8ClampedArray(W * H * 4);
  if (comps.length === 1) {
    const { plane, pw } = planes[0];
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
      const v = plane[y * pw + x], o = (y * W + x) * 4;
      out[o] = v; out[o + 1] = v; out[o + 2] = v; out[o + 3] = 255;
    }
  } else {
    const row = [new Uint8Array(W + 1), new Uint8Array(W + 1), new Uint8Array(W + 1)];
    for (let y = 0; y < H; y++) {
      for (let k = 0; k < 3; k++) upsampleRow(planes[k], y, row[k], W);
      const [Y, Cb, Cr] = row;
      for (let x = 0, o = y * W * 4; x < W; x++, o += 4) {
        const l = Y[x], cb = Cb[x], cr = Cr[x];
        out[o] = clamp(l + CR_R[cr]);
        out[o + 1] = clamp(l + Math.floor((CB_G[cb] + CR_G[cr]) / 65536));
        out[o + 2] = clamp(l + CB_B[cb]);
        out[o + 3] = 255;
      }
    }
  }
  return { width: W, height: H, data: out, exact };
}

/** One output row of a component: a copy (1:1) or jdsample.c's h2v1 fancy upsampling (3/4 nearer + 1/4 further). */
function upsampleRow({ plane, pw, rx, dw }, y, dst, W) {
  const src = y * pw;
  if (rx === 1) {
    dst.set(plane.subarray(src, src + W));
    return;
  }
  if (dw === 1) { dst.fill(plane[src], 0, 2); return; }
  let o = 0;
  dst[o++] = plane[src];
  dst[o++] = (plane[src] * 3 + plane[src + 1] + 2) >> 2;
  for (let i = 1; i < dw - 1; i++) {
    const v = plane[src + i] * 3;
    dst[o++] = (v + plane[src + i - 1] + 1) >> 2;
    dst[o++] = (v + plane[src + i + 1] + 2) >> 2;
  }
  const last = plane[src + dw - 1];
  dst[o++] = (last * 3 + plane[src + dw - 2] + 1) >> 2;
  dst[o] = last;
}

/** Stored pixels shown as EXIF orientation o says (Orientation.Remap: whole pixels, no resampling). */
export function applyExif(img, o) {
  if (o === 1) return img;
  const { width: w, height: h, data } = img, swaps = o >= 5;
  const W = swaps ? h : w, H = swaps ? w : h, out = new Uint8ClampedArray(data.length);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    let sx = x, sy = y;
    switch (o) {
      case 2: sx = w - 1 - x; break;
      case 3: sx = w - 1 - x; sy = h - 1 - y; break;
      case 4: sy = h - 1 - y; break;
      case 5: sx = y; sy = x; break;
      case 6: sx = y; sy = h - 1 - x; break;
      case 7: sx = w - 1 - y; sy = h - 1 - x; break;
      case 8: sx = w - 1 - y; sy = x; break;
      default: break;
    }
    const s = (sy * w + sx) * 4, d = (y * W + x) * 4;
    out[d] = data[s]; out[d + 1] = data[s + 1]; out[d + 2] = data[s + 2]; out[d + 3] = data[s + 3];
  }
  return { width: W, height: H, data: out, exact: img.exact };
}
