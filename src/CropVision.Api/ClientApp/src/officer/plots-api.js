// Plots (/v1/plots) and an observation's review trail, over the shared API client (anti-forgery header, problems).
import { getJson, sendJson } from '../api.js';

const once = { retries: 0 }; // writes are not repeated blindly

export const plotsApi = {
  list: (page = 1) => getJson(`/v1/plots?pageSize=200&page=${page}`),
  create: (body) => sendJson('POST', '/v1/plots', body, once),
  update: (id, body) => sendJson('PATCH', `/v1/plots/${encodeURIComponent(id)}`, body, once),
  remove: (id) => sendJson('DELETE', `/v1/plots/${encodeURIComponent(id)}`, undefined, once),
  /** base: the observation's URL, on its survey (/v1/surveys/{id}/observations/{oid}) or in the queue (/v1/review/{oid}). */
  trail: (base) => getJson(`${base}/reviews`),
  undo: (base, comment) => sendJson('POST', `${base}/reviews/undo`, { comment: comment || null }, once),
};

/** Every plot of the team (pages of 200 until all are read). */
export async function allPlots() {
  const first = await plotsApi.list(1);
  const items = [...first.items];
  for (let page = 2; items.length < first.total && page <= 50; page++) items.push(...(await plotsApi.list(page)).items);
  return items;
}
