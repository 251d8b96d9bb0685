// Observations captured in the field and not yet sent, in IndexedDB (their own database, apart from the farmer app's):
// photo, fields, and the idempotency key made on the phone, which is also the record's id. A record leaves only once
// the API has the observation (201, or 200 for a resend), or when the officer drops one the API refused.
import { openDB } from 'idb';

const db = openDB('cropvision-officer', 1, {
  upgrade(d) { d.createObjectStore('captures', { keyPath: 'key' }).createIndex('at', 'at'); },
});

/** A key unique to this phone and moment (crypto.randomUUID is missing on plain-HTTP LAN addresses). */
export const newKey = () => `${Date.now().toString(36)}-${Array.from(crypto.getRandomValues(new Uint8Array(12)), (b) => b.toString(16).padStart(2, '0')).join('')}`;

export const captures = {
  put: async (record) => (await db).put('captures', record),
  delete: async (key) => (await db).delete('captures', key),
  /** Every waiting capture (of one survey when given), oldest first. */
  all: async (surveyId) => (await (await db).getAllFromIndex('captures', 'at')).filter((c) => !surveyId || c.surveyId === surveyId),
};
