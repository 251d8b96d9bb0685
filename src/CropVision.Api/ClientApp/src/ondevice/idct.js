// libjpeg's scaled inverse DCTs (the "islow" integer family of jidctint.c / jidctred.c, as libjpeg-turbo runs them):
// one 8x8 block of quantized coefficients to N x N samples, dequantizing on the way. Written from the published
// algorithms: CONST_BITS 13, PASS1_BITS 2, FIX(x) = round(x * 2^13), columns first into a work array, then rows,
// each result shifted right (arithmetic) and range-limited through libjpeg's wrap-around table. The 7- and 14-point
// kernels (the service's 7/8 decode of BRACOL's 512x256: 7x7 luma, 14x14 4:2:0 chroma) and the 1- and 2-point ones
// (a phone photo's 1/8 decode: 1x1 luma, 2x2 4:2:0 chroma) are bit-exact; other sizes use a floating-point IDCT of
// the same coefficients (within a few levels of libjpeg's: OnDeviceJpegDecodeTests measures it).
// Plain JS numbers: every intermediate is an integer far below 2^53, so floor-division is the C right shift.

const CB = 13, P1 = 2;
const FIX = (x) => Math.floor(x * 8192 + 0.5);
const shr = (x, n) => Math.floor(x / 2 ** n);
const ONE_P1 = 2 ** (CB - P1 - 1); // the fudge factor for pass 1's descale
const OUT = CB + P1 + 3;

/** libjpeg's post-IDCT range limit: x (centred on 0) masked to 10 bits, then 0..255 with wrap-around. */
const RANGE = (() => {
  const t = new Uint8Array(1024);
  for (let i = 0; i < 1024; i++) t[i] = i < 128 ? i + 128 : i < 512 ? 255 : i < 896 ? 0 : i - 896;
  return t;
})();
const limit = (x) => RANGE[shr(x, OUT) & 1023];

const K7 = [0.881747734, 0.314692123, 1.841218003, 1.274162392, 0.077722536, 2.470602249, 1.414213562,
  0.935414347, 0.170262339, 1.378756276, 0.613604268, 1.870828693].map(FIX);

/** The 7-point kernel (cK = sqrt(2) cos(K pi / 14)) on in[0..6] (scaled), to out[0..6] (before the final shift). */
function kernel7(x0, x1, x2, x3, x4, x5, x6, out) {
  let tmp13 = x0;
  let z1 = x2, z2 = x4, z3 = x6;
  let tmp10 = (z2 - z3) * K7[0];
  let tmp12 = (z1 - z2) * K7[1];
  const tmp11 = tmp10 + tmp12 + tmp13 - z2 * K7[2];
  let tmp0 = z1 + z3;
  z2 -= tmp0;
  tmp0 = tmp0 * K7[3] + tmp13;
  tmp10 += tmp0 - z3 * K7[4];
  tmp12 += tmp0 - z1 * K7[5];
  tmp13 += z2 * K7[6];
  z1 = x1; z2 = x3; z3 = x5;
  let tmp1 = (z1 + z2) * K7[7];
  let tmp2 = (z1 - z2) * K7[8];
  tmp0 = tmp1 - tmp2;
  tmp1 += tmp2;
  tmp2 = (z2 + z3) * -K7[9];
  tmp1 += tmp2;
  z2 = (z1 + z3) * K7[10];
  tmp0 += z2;
  tmp2 += z2 + z3 * K7[11];
  out[0] = tmp10 + tmp0; out[6] = tmp10 - tmp0;
  out[1] = tmp11 + tmp1; out[5] = tmp11 - tmp1;
  out[2] = tmp12 + tmp2; out[4] = tmp12 - tmp2;
  out[3] = tmp13;
}

const K14 = [1.274162392, 0.314692123, 0.881747734, 1.105676686, 0.273079590, 1.719280954, 0.613604268, 1.378756276,
  1.334852607, 1.197448846, 1.126980169, 0.752406978, 1.061150426, 0.467085129, 0.158341681, 0.424103948,
  2.373959773, 1.405321284, 1.6906431334, 0.674957567].map(FIX);

/**
 * The 14-point kernel (cK = sqrt(2) cos(K pi / 28)): z1In is x0 scaled by 2^13 with its fudge factor, x7s is x7
 * scaled by 2^13. out[0..13] before the final shift, except out[3] and out[10]: out[14] holds their even part.
 */
function kernel14(z1In, x2, x4, x6, x1, x3, x5, x7s, out) {
  let z1 = z1In, z4 = x4;
  let z2 = z4 * K14[0], z3 = z4 * K14[1];
  z4 *= K14[2];
  const t10 = z1 + z2, t11 = z1 + z3, t12 = z1 - z4;
  const t23 = z1 - 2 * (z2 + z3 - z4);
  z1 = x2; z2 = x6;
  z3 = (z1 + z2) * K14[3];
  let tmp13 = z3 + z1 * K14[4];
  let tmp14 = z3 - z2 * K14[5];
  let tmp15 = z1 * K14[6] - z2 * K14[7];
  const t20 = t10 + tmp13, t26 = t10 - tmp13, t21 = t11 + tmp14, t25 = t11 - tmp14, t22 = t12 + tmp15, t24 = t12 - tmp15;
  z1 = x1; z2 = x3; z3 = x5; z4 = x7s;
  tmp14 = z1 + z3;
  let tmp11 = (z1 + z2) * K14[8];
  let tmp12 = tmp14 * K14[9];
  const tmp10 = tmp11 + tmp12 + z4 - z1 * K14[10];
  tmp14 *= K14[11];
  let tmp16 = tmp14 - z1 * K14[12];
  z1 -= z2;
  tmp15 = z1 * K14[13] - z4;
  tmp16 += tmp15;
  tmp13 = (z2 + z3) * -K14[14] - z4;
  tmp11 += tmp13 - z2 * K14[15];
  tmp12 += tmp13 - z3 * K14[16];
  tmp13 = (z3 - z2) * K14[17];
  tmp14 += tmp13 + z4 - z3 * K14[18];
  tmp15 += tmp13 + z2 * K14[19];
  out[0] = t20 + tmp10; out[13] = t20 - tmp10;
  out[1] = t21 + tmp11; out[12] = t21 - tmp11;
  out[2] = t22 + tmp12; out[11] = t22 - tmp12;
  out[4] = t24 + tmp14; out[9] = t24 - tmp14;
  out[5] = t25 + tmp15; out[8] = t25 - tmp15;
  out[6] = t26 + tmp16; out[7] = t26 - tmp16;
  out[14] = t23; // the middle pair's even part; the caller adds its odd part (it differs between the passes)
}

const ws = new Float64Array(8 * 16), col = new Float64Array(16);

function idct7(coefs, off, q, out, o, stride) {
  for (let c = 0; c < 7; c++) {
    const d = (k) => coefs[off + 8 * k + c] * q[8 * k + c];
    kernel7(d(0) * 8192 + ONE_P1, d(1), d(2), d(3), d(4), d(5), d(6), col);
    for (let r = 0; r < 7; r++) ws[7 * r + c] = shr(col[r], CB - P1);
  }
  for (let r = 0; r < 7; r++) {
    const w = 7 * r;
    kernel7((ws[w] + 2 ** (P1 + 2)) * 8192, ws[w + 1], ws[w + 2], ws[w + 3], ws[w + 4], ws[w + 5], ws[w + 6], col);
    for (let x = 0; x < 7; x++) out[o + r * stride + x] = limit(col[x]);
  }
}

function idct14(coefs, off, q, out, o, stride) {
  for (let c = 0; c < 8; c++) {
    const d = (k) => coefs[off + 8 * k + c] * q[8 * k + c];
    const x1 = d(1), x3 = d(3), x5 = d(5), x7 = d(7);
    kernel14(d(0) * 8192 + ONE_P1, d(2), d(4), d(6), x1, x3, x5, x7 * 8192, col);
    const t23 = shr(col[14], CB - P1), mid = (x1 - x3 + x7 - x5) * 2 ** P1; // tmp13 = (z1 - z3) << PASS1_BITS
    for (let r = 0; r < 14; r++) ws[8 * r + c] = r === 3 ? t23 + mid : r === 10 ? t23 - mid : shr(col[r], CB - P1);
  }
  for (let r = 0; r < 14; r++) {
    const w = 8 * r;
    const x1 = ws[w + 1], x3 = ws[w + 3], x5 = ws[w + 5], x7s = ws[w + 7] * 8192;
    kernel14((ws[w] + 2 ** (P1 + 2)) * 8192, ws[w + 2], ws[w + 4], ws[w + 6], x1, x3, x5, x7s, col);
    const mid = (x1 - x3 - x5) * 8192 + x7s; // tmp13 = ((z1 - z3) << CONST_BITS) + z4
    for (let x = 0; x < 14; x++) out[o + r * stride + x] = limit(x === 3 ? col[14] + mid : x === 10 ? col[14] - mid : col[x]);
  }
}

const K2 = [0.720959822, 0.850430095, 1.272758580, 3.624509785].map(FIX);
const descale = (x, n) => shr(x + 2 ** (n - 1), n);

/** jidctred.c's 2x2: the 8-point IDCT's averages of 4 outputs, from coefficients 0, 1, 3, 5, 7 of each row/column. */
function idct2(coefs, off, q, out, o, stride) {
  const odd = (x1, x3, x5, x7) => x7 * -K2[0] + x5 * K2[1] + x3 * -K2[2] + x1 * K2[3];
  for (const c of [0, 1, 3, 5, 7]) {
    const d = (k) => coefs[off + 8 * k + c] * q[8 * k + c];
    const t10 = d(0) * 2 ** (CB + 2), t0 = odd(d(1), d(3), d(5), d(7));
    ws[c] = descale(t10 + t0, CB - P1 + 2);
    ws[8 + c] = descale(t10 - t0, CB - P1 + 2);
  }
  for (let r = 0; r < 2; r++) {
    const w = 8 * r, t10 = ws[w] * 2 ** (CB + 2), t0 = odd(ws[w + 1], ws[w + 3], ws[w + 5], ws[w + 7]);
    out[o + r * stride] = RANGE[descale(t10 + t0, OUT + 2) & 1023];
    out[o + r * stride + 1] = RANGE[descale(t10 - t0, OUT + 2) & 1023];
  }
}

function idct1(coefs, off, q, out, o) {
  out[o] = RANGE[shr(coefs[off] * q[0] + 4, 3) & 1023]; // DESCALE(dc, 3)
}

// Floating-point IDCTs with libjpeg's scaling (the DC level kept): for 2 and 4, jidctred.c's meaning (the 8-point
// IDCT, then averages of 2x2 / 4x4 outputs); for the rest, jidctint.c's N-point IDCT of the min(N, 8) lowest
// frequencies.
const bases = new Map();
function basis(N) {
  if (!bases.has(N)) {
    const b = new Float64Array(N * 8);
    for (let k = 0; k < N; k++) for (let u = 0; u < Math.min(N, 8); u++) b[k * 8 + u] = u ? 0.5 * Math.cos((2 * k + 1) * u * Math.PI / (2 * N)) : Math.SQRT1_2 / 2;
    bases.set(N, b);
  }
  return bases.get(N);
}

function idctFloat(N, coefs, off, q, out, o, stride) {
  const reduced = N === 2 || N === 4, M = reduced ? 8 : N, b = basis(M), t = new Float64Array(8 * M), f = new Float64Array(M * M);
  for (let v = 0; v < 8; v++) for (let k = 0; k < M; k++) {
    let s = 0;
    for (let u = 0; u < 8; u++) s += b[k * 8 + u] * coefs[off + 8 * v + u] * q[8 * v + u];
    t[v * M + k] = s;
  }
  for (let l = 0; l < M; l++) for (let k = 0; k < M; k++) {
    let s = 0;
    for (let v = 0; v < 8; v++) s += b[l * 8 + v] * t[v * M + k];
    f[l * M + k] = s;
  }
  const g = M / N;
  for (let y = 0; y < N; y++) for (let x = 0; x < N; x++) {
    let s = 0;
    for (let j = 0; j < g; j++) for (let i = 0; i < g; i++) s += f[(y * g + j) * M + x * g + i];
    out[o + y * stride + x] = Math.min(255, Math.max(0, Math.round(s / (g * g) + 128)));
  }
}

/** Block (coefs at off, natural order) to N x N samples at out[o], rows `stride` apart. */
export function idctBlock(N, coefs, off, q, out, o, stride) {
  if (N === 7) idct7(coefs, off, q, out, o, stride);
  else if (N === 14) idct14(coefs, off, q, out, o, stride);
  else if (N === 2) idct2(coefs, off, q, out, o, stride);
  else if (N === 1) idct1(coefs, off, q, out, o);
  else idctFloat(N, coefs, off, q, out, o, stride);
}

/** Whether N has libjpeg's exact integer kernel here (others are within one level). */
export const exactSize = (N) => N === 7 || N === 14 || N === 2 || N === 1;
