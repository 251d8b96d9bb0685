// libjpeg-turbo's scaled decode (scale M/8), emulated from the fully decoded pixels the browser gives.
// The service asks SkiaSharp for the smallest M/8 that covers the target (ImageDecoder.ChooseDecodeSize); libjpeg then
// runs, per 8x8 block of coefficients, a smaller inverse DCT (jidctint.c jpeg_idct_7x7 etc.): the block's cosine series
// sampled at M points instead of 8 (DC level kept), using only the M lowest frequencies. For chroma it scales up by IDCT
// rather than upsampling (jdmaster.c: for 4:2:0 the chroma blocks get a 2M-point IDCT, e.g. 14x14 at 7/8, and the
// upsampler is then 1:1). We recover the coefficients with a forward DCT of each block of the full decode (exact for
// luma up to 8-bit rounding; for chroma approximate, after averaging the full decode's chroma back to half resolution),
// then do the same. Not bit-exact (libjpeg's IDCT is fixed-point, the browser's chroma upsampling is undone only roughly).

/** { comps: [{ h, v }], orientation } from a JPEG's header (baseline or progressive SOF, EXIF orientation), or null. */
export function jpegHeader(bytes) {
  let i = 2, orientation = 1, comps = null;
  while (i + 4 <= bytes.length && bytes[i] === 0xff) {
    const m = bytes[i + 1], len = (bytes[i + 2] << 8) | bytes[i + 3];
    if (m === 0xe1 && String.fromCharCode(...bytes.subarray(i + 4, i + 8)) === 'Exif') orientation = exifOrientation(bytes, i + 10);
    if (m >= 0xc0 && m <= 0xc2) {
      comps = [];
      for (let k = 0; k < bytes[i + 9]; k++) { const s = bytes[i + 11 + 3 * k]; comps.push({ h: s >> 4, v: s & 15 }); }
      return { comps, orientation };
    }
    if (m === 0xda) break;
    i += 2 + len;
  }
  return null;
}

function exifOrientation(b, t) {
  const le = b[t] === 0x49, u16 = (o) => le ? b[o] | (b[o + 1] << 8) : (b[o] << 8) | b[o + 1];
  const u32 = (o) => le ? (u16(o) | (u16(o + 2) << 16)) >>> 0 : ((u16(o) << 16) | u16(o + 2)) >>> 0;
  const ifd = t + u32(t + 4), n = u16(ifd);
  for (let k = 0; k < n; k++) if (u16(ifd + 2 + 12 * k) === 0x0112) return u16(ifd + 2 + 12 * k + 8);
  return 1;
}

/** The M/8 the service's decoder picks for a stored w x h and a stored-orientation target (0 = full decode). */
export function decodeEighths(w, h, needW, needH) {
  for (let m = 1; m < 8; m++) {
    const sw = Math.ceil(w * m / 8), sh = Math.ceil(h * m / 8);
    if (sw >= needW && sh >= needH && sw < w) return m;
  }
  return 0;
}

/** RGBA img (stored orientation, full decode) to what libjpeg gives at M/8, or null for samplings not handled. */
export function dctScale(img, m, comps) {
  const { width: w, height: h, data } = img, n = w * h;
  const sub = comps.length === 3 && comps[0].h === 2 && comps[0].v === 2 && comps.slice(1).every((c) => c.h === 1 && c.v === 1);
  const full = comps.every((c) => c.h === 1 && c.v === 1);
  if (!(comps.length === 1 || (comps.length === 3 && (sub || full)))) return null;
  const Y = new Float32Array(n), Cb = new Float32Array(n), Cr = new Float32Array(n);
  for (let p = 0, i = 0; p < n; p++, i += 4) { // JFIF full-range YCbCr
    const r = data[i], g = data[i + 1], b = data[i + 2];
    Y[p] = 0.299 * r + 0.587 * g + 0.114 * b;
    Cb[p] = -0.168736 * r - 0.331264 * g + 0.5 * b + 128;
    Cr[p] = 0.5 * r - 0.418688 * g - 0.081312 * b + 128;
  }
  const W = Math.ceil(w * m / 8), H = Math.ceil(h * m / 8);
  const y = scalePlane(Y, w, h, m, W, H);
  let cb = y, cr = y;
  if (comps.length === 3) {
    if (sub) {
      const cw = Math.ceil(w / 2), ch = Math.ceil(h / 2);
      cb = scalePlane(halve(Cb, w, h, cw, ch), cw, ch, 2 * m, W, H);
      cr = scalePlane(halve(Cr, w, h, cw, ch), cw, ch, 2 * m, W, H);
    } else {
      cb = scalePlane(Cb, w, h, m, W, H);
      cr = scalePlane(Cr, w, h, m, W, H);
    }
  }
  const out = new Uint8ClampedArray(W * H * 4);
  for (let p = 0, i = 0; p < W * H; p++, i += 4) { // libjpeg's YCbCr -> RGB (jdcolor.c), clamped by the array
    const Yv = y[p], u = cb[p] - 128, v = cr[p] - 128;
    out[i] = Yv + Math.round(1.402 * v);
    out[i + 1] = Yv + Math.round(-0.344136 * u - 0.714136 * v);
    out[i + 2] = Yv + Math.round(1.772 * u);
    out[i + 3] = 255;
  }
  return { width: W, height: H, data: out };
}

// P[n][x]: the 8-point cosine series of samples x (orthonormal DCT, frequencies u < min(N, 8)) evaluated at N points.
const matrices = new Map();
function scaleMatrix(N) {
  if (matrices.has(N)) return matrices.get(N);
  const P = new Float64Array(N * 8);
  for (let k = 0; k < N; k++) for (let x = 0; x < 8; x++) {
    let s = 0;
    for (let u = 0; u < Math.min(N, 8); u++) s += (u === 0 ? 0.125 : 0.25) * Math.cos((2 * k + 1) * u * Math.PI / (2 * N)) * Math.cos((2 * x + 1) * u * Math.PI / 16);
    P[k * 8 + x] = s;
  }
  matrices.set(N, P);
  return P;
}

/** Plane (pw x ph, edge-replicated to whole 8x8 blocks) to N x N samples per block; integer 0..255 like libjpeg's IDCT output, cropped to W x H. */
function scalePlane(src, pw, ph, N, W, H) {
  const P = scaleMatrix(N), out = new Float32Array(W * H), blk = new Float64Array(64), tmp = new Float64Array(N * 8);
  for (let by = 0; by * 8 < ph; by++) for (let bx = 0; bx * 8 < pw; bx++) {
    for (let j = 0; j < 8; j++) for (let i = 0; i < 8; i++) blk[j * 8 + i] = src[Math.min(ph - 1, by * 8 + j) * pw + Math.min(pw - 1, bx * 8 + i)];
    for (let j = 0; j < 8; j++) for (let k = 0; k < N; k++) { // rows
      let s = 0;
      for (let x = 0; x < 8; x++) s += P[k * 8 + x] * blk[j * 8 + x];
      tmp[j * N + k] = s;
    }
    for (let l = 0; l < N; l++) { // columns
      const oy = by * N + l;
      if (oy >= H) break;
      for (let k = 0; k < N; k++) {
        const ox = bx * N + k;
        if (ox >= W) break;
        let s = 0;
        for (let j = 0; j < 8; j++) s += P[l * 8 + j] * tmp[j * N + k];
        out[oy * W + ox] = Math.min(255, Math.max(0, Math.round(s)));
      }
    }
  }
  return out;
}

/**
 * Full-resolution chroma back to its stored half resolution by a 2x2 average. (Also undoing a 'fancy' triangle
 * upsampling of the browser's full decode, by deconvolution, was measured further from the service: 0.062 vs 0.052.)
 */
function halve(src, w, h, cw, ch) {
  const c = new Float32Array(cw * ch);
  for (let y = 0; y < ch; y++) for (let x = 0; x < cw; x++) {
    const x0 = 2 * x, y0 = 2 * y, x1 = Math.min(w - 1, x0 + 1), y1 = Math.min(h - 1, y0 + 1);
    c[y * cw + x] = (src[y0 * w + x0] + src[y0 * w + x1] + src[y1 * w + x0] + src[y1 * w + x1]) / 4;
  }
  return c;
}
