// Capture coaching: before a photo is sent, the phone checks that it is bright enough, sharp enough and big enough,
// so that the farmer can retake it at once instead of getting an unsure answer minutes later. Thresholds were chosen
// on real BRACOL and field photos, darkened and blurred by the browser tests (docs/farmer-app.md#capture-coaching).

/** Below these a photo gets a tip: mean luma (0-255), sharpness (see measure), shorter side in pixels. */
export const limits = { minLuma: 60, minSharpness: 0.02, minSide: 224 };
const side = 256; // measured on a copy this size (longest side): fast, and blur is judged at the model's scale

function grayPixels(source, width, height) {
  const scale = Math.min(1, side / Math.max(width, height));
  const w = Math.max(3, Math.round(width * scale)), h = Math.max(3, Math.round(height * scale));
  const canvas = typeof OffscreenCanvas !== 'undefined' ? new OffscreenCanvas(w, h) : Object.assign(document.createElement('canvas'), { width: w, height: h });
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  ctx.drawImage(source, 0, 0, w, h);
  const rgba = ctx.getImageData(0, 0, w, h).data;
  const gray = new Float32Array(w * h);
  for (let i = 0; i < gray.length; i++) gray[i] = 0.299 * rgba[4 * i] + 0.587 * rgba[4 * i + 1] + 0.114 * rgba[4 * i + 2];
  return { gray, w, h };
}

/**
 * {luma, sharpness, width, height}: luma is the mean luma (0-255); sharpness the variance of the 4-neighbour Laplacian
 * over the variance of the grey levels on the downscaled copy: the share of fine detail, the same for a dark and a
 * bright copy of one photo (so a dark photo is not also called blurry).
 */
export function measure(source, width, height) {
  const { gray, w, h } = grayPixels(source, width, height);
  let sum = 0, sq = 0;
  for (const v of gray) { sum += v; sq += v * v; }
  const luma = sum / gray.length;
  const contrast = sq / gray.length - luma * luma;
  let lsum = 0, lsq = 0, n = 0;
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1, i = y * w + 1; x < w - 1; x++, i++) {
      const l = gray[i - 1] + gray[i + 1] + gray[i - w] + gray[i + w] - 4 * gray[i];
      lsum += l; lsq += l * l; n++;
    }
  }
  const laplacian = lsq / n - (lsum / n) ** 2;
  return { luma, sharpness: contrast > 1 ? laplacian / contrast : 0, width, height };
}

/** The problems of a measured photo: some of 'dark', 'blurry', 'small'. */
export function problems(m) {
  const found = [];
  if (m.luma < limits.minLuma) found.push('dark');
  if (m.sharpness < limits.minSharpness) found.push('blurry');
  if (Math.min(m.width, m.height) < limits.minSide) found.push('small');
  return found;
}

/** Measures a photo file (upright, by its EXIF orientation). Throws when the browser cannot read it. */
export async function checkPhoto(file) {
  const bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
  try {
    return measure(bitmap, bitmap.width, bitmap.height);
  } finally {
    bitmap.close();
  }
}
