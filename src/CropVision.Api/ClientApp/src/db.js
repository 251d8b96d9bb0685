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

/** A unique id without crypto.randomUUID (which plain-HTTP LAN addresses lack). */
export const newId = () => `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
