// The service's preprocessing (CropVision.Core/Preprocessing: ImageDecoder + ImagePreprocessor), written once for the
// browser. The spec comes from the served manifest (GET /v1/models/{crop}/browser: resizeWidth, resizeHeight,
// tileSize, longSideHorizontal, flips, closeUpBelowAspect), never from constants here.
//  1. framing from the upright shape: long side < closeUpBelowAspect x short side is a close-up; with
//     framingByContent, such a near-square photo is decoded as a wide one and judged from its pixels
//     (plainbackground.js): a whole leaf on a plain background is wide, its views cut from the leaf's box;
//  2. decode as the service does: a JPEG at the smallest M/8 scale that still covers the target (libjpeg's DCT
//     scaling: BRACOL's 512x256 at 7/8 = 448x224) from its own coefficients (jpegscaled.js: bit-exact with the
//     service's decode for baseline JPEGs at 7/8 and 1/8 luma, see OnDeviceJpegDecodeTests), then turned by EXIF.
//     Anything else (PNG, WebP, progressive JPEG, a full-size decode) goes through the browser's own decoder
//     (createImageBitmap, imageOrientation 'from-image' = the service's EXIF turn); for a JPEG the service scales
//     in the DCT domain, dctscale.js then emulates that from the browser's pixels (close, not exact);
//  3. wide: turned a quarter clockwise if portrait and the spec wants the long side horizontal, resized to the
//     spec's size; close-up: the centred square, resized to one tile. Resizing is Skia's Mitchell cubic (B = C =
//     1/3, 4x4 taps at pixel centres, edges clamped, rounded to 8 bits), computed here in plain JS;
//  4. views: flip-major, tiles left to right, planar RGB floats 0..255, close-up odd "tiles" mirrored left-right.

import { jpegHeader, decodeEighths, dctScale } from './dctscale.js';
import { decodeUpright } from './jpegscaled.js';
import { measurePlain, widen } from './plainbackground.js';

/** Where the upright w x h photo goes: its framing, whether it is turned, and the upright size the decode must cover. */
function target(spec, w, h) {
  const S = spec.tileSize;
  const closeUp = spec.closeUpBelowAspect != null && Math.max(w, h) < spec.closeUpBelowAspect * Math.min(w, h);
  const byContent = closeUp && !!spec.framingByContent;
  if (closeUp && !byContent) return { closeUp, byContent, turn: false, needW: S, needH: S };
  const turn = spec.longSideHorizontal && h > w && spec.resizeWidth > spec.resizeHeight;
  return { closeUp, byContent, turn, needW: turn ? spec.resizeHeight : spec.resizeWidth, needH: turn ? spec.resizeWidth : spec.resizeHeight };
}

/** Bytes (Blob/File) to { tensor: Float32Array [views*3*S*S], framing: 'Wide'|'CloseUp', views, decoder }. */
export async function preprocess(blob, spec) {
  const bytes = new Uint8Array(await blob.arrayBuffer());
  const jpeg = bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
  if (jpeg) {
    const done = preprocessJpeg(bytes, spec);
    if (done.tensor) return done;
    // Not read from its coefficients: say why, then the browser decodes it.
    console.info(`on-device: JPEG decoded by the browser (${done.headerRead ? 'the service decodes it in full, or its sampling is not handled' : 'progressive, arithmetic-coded, 12-bit or damaged'})`);
  }
  const bitmap = await createImageBitmap(blob, { imageOrientation: 'from-image', premultiplyAlpha: 'none', colorSpaceConversion: 'none' });
  let img;
  try {
    img = pixelsOf(bitmap);
  } finally {
    bitmap.close();
  }
  return { ...preprocessPixels(img, spec, jpeg ? jpegHeader(bytes.subarray(0, 1 << 18)) : null), decoder: 'browser' };
}

/** A JPEG's bytes (Uint8Array) read from its own coefficients, as the service reads them; { headerRead } alone when it cannot be. */
export function preprocessJpeg(bytes, spec) {
  let t = null;
  const img = decodeUpright(bytes, (w, h) => {
    t = target(spec, w, h);
    return [t.needW, t.needH];
  });
  if (!img) return { headerRead: t != null };
  return { ...shape(img, spec, t), decoder: img.exact ? 'coefficients' : 'coefficients-approx' };
}

/** As preprocess, from upright RGBA pixels { width, height, data } of the full image (the browser's decode). */
export function preprocessPixels(img, spec, jpeg = null) {
  const t = target(spec, img.width, img.height);
  // JPEG the service decodes at M/8: emulated from the full decode (dctscale.js). EXIF-turned JPEGs keep the full
  // decode (the block grid is in stored orientation; not emulated).
  if (jpeg && jpeg.orientation === 1) {
    const m = decodeEighths(img.width, img.height, t.needW, t.needH);
    if (m) img = dctScale(img, m, jpeg.comps) ?? img;
  }
  return shape(img, spec, t);
}

/** Decoded upright pixels, cut/turned and resized for the target, as views. */
function shape(img, spec, { closeUp, byContent, turn }) {
  const S = spec.tileSize;
  const judged = byContent ? measurePlain(img) : null;
  if (byContent) closeUp = !judged.wholeLeaf;
  const leaf = judged?.wholeLeaf ? judged : null;
  let resized;
  if (closeUp) {
    const side = Math.min(img.width, img.height);
    resized = mitchell(img, (img.width - side) >> 1, (img.height - side) >> 1, side, side, S, S);
  } else {
    // Wide: the whole photo, or a whole leaf's box (turned with the photo) grown to the spec's shape, as ImagePreprocessor.
    const box = !leaf ? null : turn ? { x: img.height - leaf.y - leaf.height, y: leaf.x, width: leaf.height, height: leaf.width } : leaf;
    if (turn) img = rotateClockwise(img);
    const b = box ? widen(box.x, box.y, box.width, box.height, img.width, img.height, spec.resizeWidth, spec.resizeHeight)
      : { x: 0, y: 0, width: img.width, height: img.height };
    resized = mitchell(img, b.x, b.y, b.width, b.height, spec.resizeWidth, spec.resizeHeight);
  }
  return { tensor: writeViews(resized, spec, closeUp), framing: closeUp ? 'CloseUp' : 'Wide', views: spec.flips.length * (spec.resizeWidth / S) * (spec.resizeHeight / S) };
}

function pixelsOf(bitmap) {
  const canvas = typeof OffscreenCanvas !== 'undefined' ? new OffscreenCanvas(bitmap.width, bitmap.height)
    : Object.assign(document.createElement('canvas'), { width: bitmap.width, height: bitmap.height });
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  ctx.drawImage(bitmap, 0, 0);
  const d = ctx.getImageData(0, 0, bitmap.width, bitmap.height);
  return { width: d.width, height: d.height, data: d.data };
}

/** A quarter turn clockwise, as Orientation.RotateClockwise (displayed (x, y) shows stored (y, h - 1 - x)). */
export function rotateClockwise(img) {
  const { width: w, height: h, data } = img, out = new Uint8ClampedArray(data.length);
  for (let y = 0; y < w; y++) for (let x = 0; x < h; x++) {
    const s = (((h - 1 - x) * w) + y) * 4, o = (y * h + x) * 4;
    out[o] = data[s]; out[o + 1] = data[s + 1]; out[o + 2] = data[s + 2]; out[o + 3] = data[s + 3];
  }
  return { width: h, height: w, data: out };
}

const B = 1 / 3, C = 1 / 3;
function mitchellWeight(t) {
  const x = Math.abs(t);
  if (x < 1) return ((12 - 9 * B - 6 * C) * x * x * x + (-18 + 12 * B + 6 * C) * x * x + (6 - 2 * B)) / 6;
  if (x < 2) return ((-B - 6 * C) * x * x * x + (6 * B + 30 * C) * x * x + (-12 * B - 48 * C) * x + (8 * B + 24 * C)) / 6;
  return 0;
}

/** For each output index: the 4 source indices (clamped to [0, n)) and their weights. */
function taps(n, out) {
  const idx = new Int32Array(out * 4), wts = new Float32Array(out * 4), scale = n / out;
  for (let i = 0; i < out; i++) {
    const p = (i + 0.5) * scale - 0.5, f = Math.floor(p), t = p - f;
    for (let k = 0; k < 4; k++) {
      idx[i * 4 + k] = Math.min(n - 1, Math.max(0, f - 1 + k));
      wts[i * 4 + k] = mitchellWeight(t - (k - 1));
    }
  }
  return { idx, wts };
}

/** The region (x0, y0, w, h) of img resampled to W x H (copied where the size already matches), as ImagePreprocessor.Resize. */
function mitchell(img, x0, y0, w, h, W, H) {
  const src = img.data, stride = img.width * 4, out = new Uint8ClampedArray(W * H * 4);
  if (w === W && h === H) {
    for (let y = 0; y < H; y++) out.set(src.subarray((y0 + y) * stride + x0 * 4, (y0 + y) * stride + (x0 + w) * 4), y * W * 4);
    return { width: W, height: H, data: out };
  }
  const tx = taps(w, W), ty = taps(h, H);
  // Horizontal pass into floats (h rows x W), then vertical; both in 0..255 floats, one rounding at the end.
  const mid = new Float32Array(h * W * 3);
  for (let y = 0; y < h; y++) {
    const row = (y0 + y) * stride;
    for (let x = 0; x < W; x++) {
      let r = 0, g = 0, b = 0;
      for (let k = 0; k < 4; k++) {
        const s = row + (x0 + tx.idx[x * 4 + k]) * 4, wt = tx.wts[x * 4 + k];
        r += src[s] * wt; g += src[s + 1] * wt; b += src[s + 2] * wt;
      }
      const m = (y * W + x) * 3;
      mid[m] = r; mid[m + 1] = g; mid[m + 2] = b;
    }
  }
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    let r = 0, g = 0, b = 0;
    for (let k = 0; k < 4; k++) {
      const m = (ty.idx[y * 4 + k] * W + x) * 3, wt = ty.wts[y * 4 + k];
      r += mid[m] * wt; g += mid[m + 1] * wt; b += mid[m + 2] * wt;
    }
    const o = (y * W + x) * 4;
    out[o] = r; out[o + 1] = g; out[o + 2] = b; out[o + 3] = 255; // Uint8ClampedArray clamps and rounds
  }
  return { width: W, height: H, data: out };
}

/** Every (flip, tile) view as planar RGB floats, as ImagePreprocessor.WriteViews. */
function writeViews(img, spec, closeUp) {
  const S = spec.tileSize, plane = S * S, across = spec.resizeWidth / S, down = spec.resizeHeight / S, tiles = across * down;
  const out = new Float32Array(spec.flips.length * tiles * 3 * plane), data = img.data, width = img.width;
  let view = 0;
  for (const flip of spec.flips) {
    const flipY = flip === 'Vertical' || flip === 'Both';
    for (let ty = 0; ty < down; ty++) for (let tx = 0; tx < across; tx++, view++) {
      const flipX = (flip === 'Horizontal' || flip === 'Both') !== (closeUp && (view % tiles) % 2 === 1);
      const sx0 = closeUp ? 0 : tx * S, sy0 = closeUp ? 0 : ty * S, base = view * 3 * plane;
      for (let y = 0; y < S; y++) {
        const row = (sy0 + (flipY ? S - 1 - y : y)) * width;
        for (let x = 0; x < S; x++) {
          const s = (row + sx0 + (flipX ? S - 1 - x : x)) * 4, i = y * S + x;
          out[base + i] = data[s]; out[base + plane + i] = data[s + 1]; out[base + 2 * plane + i] = data[s + 2];
        }
      }
    }
  }
  return out;
}
