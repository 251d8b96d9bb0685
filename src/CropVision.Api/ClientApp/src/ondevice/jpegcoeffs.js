// A small baseline JPEG reader: the quantized DCT coefficients themselves (no pixels), so jpegscaled.js can run
// libjpeg's scaled inverse DCT on them exactly as the service's decoder does. Handles what phones and BRACOL write:
// SOF0/SOF1 (8-bit Huffman, sequential), DQT (8/16-bit), DHT, DRI with RSTn markers, interleaved and single-component
// scans, any sampling factors (4:2:0, 4:2:2, 4:4:4, greyscale). Progressive, arithmetic-coded, lossless, 12-bit and
// damaged files give null: the caller falls back to the browser's own decoder (preprocess.js says so in the console).

// Natural (row-major) index of the k-th coefficient in zig-zag order.
const ZIGZAG = Uint8Array.from([
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21,
  28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61,
  54, 47, 55, 62, 63]);

const LOOKAHEAD = 9;

/** Canonical Huffman table: a 9-bit lookahead table ((length << 8) | value, 0 = longer code) and per-length limits. */
function huffmanTable(counts, values) {
  const lut = new Uint16Array(1 << LOOKAHEAD), maxcode = new Int32Array(18).fill(-1), valptr = new Int32Array(17);
  let code = 0, k = 0;
  for (let len = 1; len <= 16; len++) {
    valptr[len] = k - code;
    for (let i = 0; i < counts[len - 1]; i++, k++, code++) {
      if (len <= LOOKAHEAD) {
        const shift = LOOKAHEAD - len;
        for (let j = 0; j < 1 << shift; j++) lut[(code << shift) | j] = (len << 8) | values[k];
      }
    }
    maxcode[len] = counts[len - 1] ? code - 1 : -1;
    code <<= 1;
  }
  maxcode[17] = 0x7fffffff;
  return { lut, maxcode, valptr, values };
}

/** Reads the JPEG's structure and every component's coefficients, or null where unsupported. */
export function readCoefficients(bytes) {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) return null;
  const qt = [], dc = [], ac = [];
  let frame = null, restart = 0, orientation = 1, i = 2;
  const u16 = (o) => (bytes[o] << 8) | bytes[o + 1];
  while (i + 4 <= bytes.length) {
    if (bytes[i] !== 0xff) return null;
    const m = bytes[i + 1];
    if (m === 0xff) { i++; continue; } // fill byte
    if (m === 0xd9) break;
    const len = u16(i + 2), seg = i + 4, end = i + 2 + len;
    if (end > bytes.length) return null;
    if (m === 0xe1 && bytes[seg] === 0x45 && bytes[seg + 1] === 0x78 && bytes[seg + 2] === 0x69 && bytes[seg + 3] === 0x66) {
      orientation = exifOrientation(bytes, seg + 6, end);
    } else if (m === 0xdb) {
      for (let p = seg; p < end;) {
        const pq = bytes[p] >> 4, tq = bytes[p] & 15, table = new Uint16Array(64);
        p++;
        for (let k = 0; k < 64; k++, p += pq ? 2 : 1) table[ZIGZAG[k]] = pq ? u16(p) : bytes[p];
        qt[tq] = table;
      }
    } else if (m === 0xc4) {
      for (let p = seg; p < end;) {
        const tc = bytes[p] >> 4, th = bytes[p] & 15, counts = bytes.subarray(p + 1, p + 17);
        const n = counts.reduce((s, c) => s + c, 0);
        (tc ? ac : dc)[th] = huffmanTable(counts, bytes.subarray(p + 17, p + 17 + n));
        p += 17 + n;
      }
    } else if (m === 0xdd) {
      restart = u16(seg);
    } else if (m === 0xc0 || m === 0xc1) {
      if (bytes[seg] !== 8) return null;
      const height = u16(seg + 1), width = u16(seg + 3), comps = [];
      if (!width || !height) return null; // height 0 = a DNL marker later: not handled
      for (let k = 0; k < bytes[seg + 5]; k++) {
        const o = seg + 6 + 3 * k;
        comps.push({ id: bytes[o], h: bytes[o + 1] >> 4, v: bytes[o + 1] & 15, tq: bytes[o + 2] });
      }
      if (comps.some((c) => c.h < 1 || c.h > 4 || c.v < 1 || c.v > 4)) return null;
      const hmax = Math.max(...comps.map((c) => c.h)), vmax = Math.max(...comps.map((c) => c.v));
      const mcusX = Math.ceil(width / (8 * hmax)), mcusY = Math.ceil(height / (8 * vmax));
      for (const c of comps) {
        c.blocksW = mcusX * c.h; // padded to whole MCUs: interleaved scans fill them all
        c.blocksH = mcusY * c.v;
        c.coefs = new Int16Array(c.blocksW * c.blocksH * 64);
      }
      frame = { width, height, comps, hmax, vmax, mcusX, mcusY };
    } else if ((m >= 0xc2 && m <= 0xcb) || (m >= 0xcd && m <= 0xcf)) {
      return null; // progressive, lossless, hierarchical or arithmetic-coded
    } else if (m === 0xda) {
      if (!frame) return null;
      const ns = bytes[seg], scan = [];
      for (let k = 0; k < ns; k++) {
        const c = frame.comps.find((x) => x.id === bytes[seg + 1 + 2 * k]);
        const d = dc[bytes[seg + 2 + 2 * k] >> 4], a = ac[bytes[seg + 2 + 2 * k] & 15];
        if (!c || !d || !a) return null;
        scan.push({ c, dc: d, ac: a });
      }
      i = decodeScan(bytes, end, frame, scan, restart);
      if (i < 0) return null;
      continue;
    }
    i = end;
  }
  if (!frame) return null;
  for (const c of frame.comps) {
    c.qt = qt[c.tq];
    if (!c.qt) return null;
  }
  return { ...frame, orientation };
}

/** Decodes one scan's entropy-coded data from pos; returns the offset of the marker after it, or -1 if damaged. */
function decodeScan(bytes, pos, frame, scan, restart) {
  let buf = 0, bits = 0, marker = false;
  const fill = () => {
    while (bits <= 24) {
      let b = 0;
      if (!marker && pos < bytes.length) {
        b = bytes[pos];
        if (b === 0xff) {
          const next = bytes[pos + 1];
          if (next === 0) pos += 2;
          else { marker = true; b = 0; } // a marker: feed zeros from here on
        } else pos++;
      }
      buf = (buf << 8) | b;
      bits += 8;
    }
  };
  const receive = (s) => {
    if (bits < s) fill();
    bits -= s;
    return (buf >>> bits) & ((1 << s) - 1);
  };
  const extend = (v, s) => (v < 1 << (s - 1) ? v - (1 << s) + 1 : v);
  const decode = (t) => {
    if (bits < 16) fill();
    const e = t.lut[(buf >>> (bits - LOOKAHEAD)) & ((1 << LOOKAHEAD) - 1)];
    if (e) { bits -= e >> 8; return e & 255; }
    for (let len = LOOKAHEAD + 1; len <= 16; len++) {
      const code = (buf >>> (bits - len)) & ((1 << len) - 1);
      if (code <= t.maxcode[len]) { bits -= len; return t.values[t.valptr[len] + code]; }
    }
    throw new Error('bad Huffman code');
  };
  const block = (s, coefs, off) => {
    const t = decode(s.dc);
    s.pred += t ? extend(receive(t), t) : 0;
    coefs[off] = s.pred;
    for (let k = 1; k < 64;) {
      const rs = decode(s.ac), r = rs >> 4, n = rs & 15;
      if (!n) {
        if (r !== 15) break;
        k += 16;
        continue;
      }
      k += r;
      if (k > 63) throw new Error('coefficient index out of range');
      coefs[off + ZIGZAG[k]] = extend(receive(n), n);
      k++;
    }
  };
  // One component alone: its own blocks in raster order (not padded to MCUs); several: whole MCUs.
  const single = scan.length === 1;
  const c0 = scan[0].c;
  const unitsX = single ? Math.ceil(Math.ceil(frame.width * c0.h / frame.hmax) / 8) : frame.mcusX;
  const unitsY = single ? Math.ceil(Math.ceil(frame.height * c0.v / frame.vmax) / 8) : frame.mcusY;
  const total = unitsX * unitsY;
  for (const s of scan) s.pred = 0;
  try {
    for (let n = 0; n < total; n++) {
      if (restart && n > 0 && n % restart === 0) {
        // Restart: drop the partial byte, step over RSTn, reset the DC predictions.
        while (pos + 1 < bytes.length && !(bytes[pos] === 0xff && bytes[pos + 1] >= 0xd0 && bytes[pos + 1] <= 0xd7)) pos++;
        if (pos + 1 >= bytes.length) return -1;
        pos += 2;
        buf = 0; bits = 0; marker = false;
        for (const s of scan) s.pred = 0;
      }
      const ux = n % unitsX, uy = (n - ux) / unitsX;
      if (single) block(scan[0], c0.coefs, (uy * c0.blocksW + ux) * 64);
      else {
        for (const s of scan) {
          for (let by = 0; by < s.c.v; by++) for (let bx = 0; bx < s.c.h; bx++) {
            block(s, s.c.coefs, ((uy * s.c.v + by) * s.c.blocksW + ux * s.c.h + bx) * 64);
          }
        }
      }
    }
  } catch {
    return -1;
  }
  // The next marker (bytes left in the bit buffer were only padding).
  while (pos + 1 < bytes.length && !(bytes[pos] === 0xff && bytes[pos + 1] !== 0 && !(bytes[pos + 1] >= 0xd0 && bytes[pos + 1] <= 0xd7))) pos++;
  return pos + 1 < bytes.length ? pos : -1;
}

/** EXIF orientation (1-8) from a TIFF header at t; 1 where absent or unreadable. */
function exifOrientation(b, t, end) {
  if (t + 8 > end) return 1;
  const le = b[t] === 0x49, u16 = (o) => (le ? b[o] | (b[o + 1] << 8) : (b[o] << 8) | b[o + 1]);
  const u32 = (o) => (le ? (u16(o) | (u16(o + 2) << 16)) >>> 0 : ((u16(o) << 16) | u16(o + 2)) >>> 0);
  const ifd = t + u32(t + 4);
  if (ifd + 2 > end) return 1;
  const n = u16(ifd);
  for (let k = 0; k < n && ifd + 14 + 12 * k <= end; k++) {
    if (u16(ifd + 2 + 12 * k) === 0x0112) {
      const v = u16(ifd + 2 + 12 * k + 8);
      return v >= 1 && v <= 8 ? v : 1;
    }
  }
  return 1;
}
