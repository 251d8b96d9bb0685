// Shrinks a phone photo before it is sent: the longest side to 1600 px, JPEG quality 0.85, turned upright by its
// EXIF orientation. A 12-megapixel photo (3-5 MB) becomes a few hundred KB; the model works at 448x224 anyway.

export const maxSide = 1600;
export const quality = 0.85;

function toBlob(bitmap, width, height, q) {
  if (typeof OffscreenCanvas !== 'undefined') {
    const canvas = new OffscreenCanvas(width, height);
    canvas.getContext('2d').drawImage(bitmap, 0, 0, width, height);
    return canvas.convertToBlob({ type: 'image/jpeg', quality: q });
  }
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  canvas.getContext('2d').drawImage(bitmap, 0, 0, width, height);
  return new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', q));
}

/** {photo, thumb, width, height, originalBytes}. Throws when the file is not an image the browser can read. */
export async function shrinkPhoto(file) {
  const bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
  try {
    const scale = Math.min(1, maxSide / Math.max(bitmap.width, bitmap.height));
    const width = Math.round(bitmap.width * scale), height = Math.round(bitmap.height * scale);
    let photo = await toBlob(bitmap, width, height, quality);
    // A photo already small enough is sent as it is when re-encoding would not make it smaller.
    if (scale === 1 && file.type === 'image/jpeg' && file.size <= photo.size) photo = file;
    const t = Math.min(1, 160 / Math.max(bitmap.width, bitmap.height));
    const thumb = await toBlob(bitmap, Math.round(bitmap.width * t), Math.round(bitmap.height * t), 0.7);
    return { photo, thumb, width, height, originalBytes: file.size };
  } finally {
    bitmap.close();
  }
}
