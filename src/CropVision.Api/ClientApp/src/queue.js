// Work waiting for the network, kept in IndexedDB so that closing the tab loses nothing. Each item has a kind; a page
// registers how to send its kinds (handle). The queue is flushed when the page opens, when the phone comes back
// online, and every 30 s; an item leaves the queue only once sent, or once the server refuses it for good.
import { NetworkError, ProblemError } from './api.js';
import { newId, queue } from './db.js';

const handlers = new Map();
let flushing = null;

/** send(item) sends it (throwing NetworkError to keep it for later); refused(item, error) hears a permanent 4xx. */
export function handle(kind, send, refused = () => {}) {
  handlers.set(kind, { send, refused });
  flush();
}

export async function enqueue(kind, payload) {
  const item = { id: newId(), kind, payload, at: Date.now() };
  await queue.put(item);
  return item;
}

export const pending = () => queue.all();

/** Drops the queued work of one history record (its photo upload, its verdict): the farmer deleted it. */
export async function forget(historyId) {
  for (const item of await queue.all()) if (item.payload?.historyId === historyId) await queue.delete(item.id);
}

/** Sends every queued item it can; stops at the first one the network cannot take (offline, that is the first try). */
export function flush() {
  flushing ??= (async () => {
    try {
      for (const item of await queue.all()) {
        const handler = handlers.get(item.kind);
        if (!handler) continue; // its page has not loaded yet
        try {
          await handler.send(item);
          await queue.delete(item.id);
        } catch (e) {
          if (e instanceof NetworkError) break;
          if (e instanceof ProblemError) {
            await queue.delete(item.id);
            await handler.refused(item, e);
          } else {
            console.warn('queued item failed', item.kind, e);
            break;
          }
        }
      }
    } finally {
      flushing = null;
    }
  })();
  return flushing;
}

window.addEventListener('online', () => flush());
setInterval(() => flush(), 30_000);
