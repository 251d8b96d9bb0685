// Draws the app icon (a white coffee leaf on green) as a PNG, so no binary image needs to live in git.
import { deflateSync } from 'node:zlib';

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = (buf) => {
  let c = 0xffffffff;
  for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
const chunk = (type, data) => {
  const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4); crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
};

/** RGBA PNG of size x size. A maskable icon keeps the leaf inside the central safe zone and fills the square. */
export function renderIcon(size, { maskable = false } = {}) {
  const green = [46, 125, 50], white = [255, 255, 255];
  const rows = [];
  const scale = maskable ? 0.6 : 0.8;
  for (let y = 0; y < size; y++) {
    const row = Buffer.alloc(1 + size * 4); // filter byte 0, then pixels
    for (let x = 0; x < size; x++) {
      const u = (x + 0.5) / size - 0.5, v = (y + 0.5) / size - 0.5;
      // Rounded square background (full square when maskable).
      const r = 0.2, qx = Math.max(Math.abs(u) - (0.5 - r), 0), qy = Math.max(Math.abs(v) - (0.5 - r), 0);
      const inside = maskable || Math.hypot(qx, qy) <= r;
      // Leaf: an ellipse tilted 45 degrees, with a green midrib.
      const a = (u + v) / Math.SQRT2 / scale, b = (u - v) / Math.SQRT2 / scale;
      const leaf = (a * a) / 0.16 + (b * b) / 0.04 <= 1;
      const rib = Math.abs(b) < 0.012 / scale && Math.abs(a) < 0.36;
      const color = leaf && !rib ? white : green;
      row.set([...color, inside ? 255 : 0], 1 + x * 4);
    }
    rows.push(row);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0); header.writeUInt32BE(size, 4);
  header[8] = 8; header[9] = 6; // 8-bit RGBA
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk('IHDR', header), chunk('IDAT', deflateSync(Buffer.concat(rows), { level: 9 })), chunk('IEND', Buffer.alloc(0)),
  ]);
}
