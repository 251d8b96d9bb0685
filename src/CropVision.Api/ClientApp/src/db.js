// The app's IndexedDB: history (diagnoses kept on the phone) and queue (work waiting for the network).
// Pages that need more stores add them in a new version of upgrade().
import { openDB } from 'idb';

const db = openDB('cropvision', 1, {
  upgrade(d) {
    d.createObjectStore('history', { keyPath: 'id' }).createIndex('at', 'at');
    d.createObjectStore('queue', { keyPath: 'id' }).createIndex('at', 'at');
  },
});

const store = (name) => ({
  get: async (id) => (await db).get(name, id),
  put: async (value) => (await db).put(name, value),
  delete: async (id) => (await db).delete(name, id),
  /** Every record, oldest first. */
  all: async () => (await db).getAllFromIndex(name, 'at'),
});

export const history = store('history');
export const queue = store('queue');

/** A random (version 4) UUID without crypto.randomUUID (which plain-HTTP LAN addresses lack). */
export function newUuid() {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const x = Array.from(b, (v) => v.toString(16).padStart(2, '0')).join('');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

/** A unique id without crypto.randomUUID (which plain-HTTP LAN addresses lack). */
export const newId = () => `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
