// What happens to a photo and a verdict, apart from how it is shown: shrink, keep in history, send (or queue when
// the network is away), and the same for the farmer's "right / wrong". Both survive a closed tab (IndexedDB).
import { NetworkError, ProblemError, api } from './api.js';
import { history, newId, newUuid } from './db.js';
import { t } from './i18n.js';
import { shrinkPhoto } from './photo.js';
import { enqueue, handle } from './queue.js';
import { notify } from './shell.js';
import { answerOffline } from './ondevice/flow.js'; // diagnosis on the phone (issue 17)

const changed = () => window.dispatchEvent(new CustomEvent('cropvision:history'));
export const onHistoryChange = (f) => window.addEventListener('cropvision:history', f);

/**
 * Diagnoses one photo. progress({phase, percent?, seconds?}) reports work; resolves to the history record, which
 * has .answer, or .pending when the photo was queued for later. Throws ProblemError when the server refuses it.
 */
export async function diagnose(file, crop, cropName, progress) {
  progress({ phase: 'preparing' });
  const shrunk = await shrinkPhoto(file);
  const record = {
    id: newId(), at: Date.now(), crop, cropName, photo: shrunk.photo, thumb: shrunk.thumb,
    originalBytes: shrunk.originalBytes, sentBytes: shrunk.photo.size, answer: null, pending: true, feedback: null,
  };
  await history.put(record);
  changed();
  try {
    record.answer = await api.predict(crop, shrunk.photo, {
      onProgress: (f) => progress({ phase: f < 1 ? 'uploading' : 'analysing', percent: Math.round(f * 100) }),
      onRetry: (seconds) => progress({ phase: 'retrying', seconds }),
    });
  } catch (e) {
    if (!(e instanceof NetworkError)) {
      await history.delete(record.id); // a refused photo is not a diagnosis
      changed();
      throw e;
    }
    if (await answerOffline(record, progress)) { // issue 17: answered on the phone; sent with its photo once online
      record.deviceId = newUuid(); // the service stores one answer per id, however often the upload is retried
      await history.put(record);
      await enqueue('device-answer', { historyId: record.id });
      changed();
    } else await enqueue('predict', { historyId: record.id });
    return record;
  }
  record.pending = false;
  await history.put(record);
  changed();
  return record;
}

/** Stores the farmer's verdict ({verdict: 'right'|'wrong', label: class or null}) and sends it, or queues it. */
export async function giveFeedback(record, feedback) {
  record.feedback = feedback;
  record.feedbackSent = false;
  record.feedbackLeavesSent = [];
  await history.put(record);
  changed();
  try {
    await sendFeedback(record);
  } catch (e) {
    if (e instanceof NetworkError) {
      await enqueue('feedback', { historyId: record.id });
      return 'queued';
    }
    throw e;
  }
  return 'sent';
}

async function sendFeedback(record) {
  if (record.combined && record.leafPhotos) return sendLeavesFeedback(record);
  const a = record.answer;
  await api.feedback({
    crop: record.crop, modelVersion: a.model.version, label: a.label, confidence: a.confidence,
    severity: a.severity?.grade, status: a.status, verdict: record.feedback.verdict, farmerLabel: record.feedback.label,
  }, record.photo, { retries: 2 });
  record.feedbackSent = true;
  await history.put(record);
  changed();
}

/**
 * A verdict on a several-leaf answer: one feedback per leaf, each leaf's photo with its own answer. The farmer's word is
 * about the plant: "right" names the combined answer's class, "wrong" the class picked (or none: don't know); a leaf
 * whose own answer names that class is "right", any other "wrong" with that class. Leaves already sent are not sent
 * again when a queued verdict is retried.
 */
async function sendLeavesFeedback(record) {
  const f = record.feedback;
  const truth = f.verdict === 'right' ? record.answer.label : f.label;
  record.feedbackLeavesSent ??= [];
  for (const [i, leaf] of record.leaves.entries()) {
    const r = leaf.result;
    if (!r || !record.leafPhotos[i] || record.feedbackLeavesSent.includes(i)) continue; // an unreadable leaf has no answer
    const right = truth != null && r.label === truth;
    await api.feedback({
      crop: record.crop, modelVersion: r.model.version, label: r.label, confidence: r.confidence, severity: r.severity?.grade,
      status: r.status, verdict: right ? 'right' : 'wrong', farmerLabel: right ? null : truth,
    }, record.leafPhotos[i], { retries: 2 });
    record.feedbackLeavesSent.push(i);
    await history.put(record);
  }
  record.feedbackSent = true;
  await history.put(record);
  changed();
}

// Queued work, sent when the network is back (also after the tab was closed and opened again).
handle('predict', async ({ payload }) => {
  const record = await history.get(payload.historyId);
  if (!record) return;
  record.answer = await api.predict(record.crop, record.photo, { retries: 1 });
  record.pending = false;
  record.arrivedOffline = true;
  await history.put(record);
  changed();
  notify(t('history.arrived'));
}, async ({ payload }, error) => {
  await history.delete(payload.historyId);
  changed();
  notify(t('photo.refused', { detail: error.message }));
});

// An answer made on the phone, with its photo, so officers and retraining see it. The farmer keeps the phone's answer;
// when the service answers the same photo otherwise, the record keeps that too (history shows both). A busy or
// unreachable service keeps the item queued (5xx and 429 are not a refusal of the answer itself).
handle('device-answer', async ({ payload }) => {
  const record = await history.get(payload.historyId);
  if (!record?.deviceAnswer || record.deviceSent) return;
  const a = record.deviceAnswer;
  let receipt;
  try {
    receipt = await api.deviceAnswer({
      id: record.deviceId, crop: record.crop, modelVersion: a.model.version, label: a.label, confidence: a.confidence,
      severity: a.severity?.grade, status: a.status, probabilities: a.probabilities && JSON.stringify(a.probabilities),
    }, record.photo, { retries: 1 });
  } catch (e) {
    if (e instanceof ProblemError && (e.status >= 500 || e.status === 429)) throw new NetworkError(e.message);
    throw e;
  }
  record.deviceSent = true;
  record.serviceAnswer = receipt.agreed ? null : receipt.service;
  await history.put(record);
  changed();
}, (_, error) => notify(t('photo.refused', { detail: error.message })));

handle('feedback', async ({ payload }) => {
  const record = await history.get(payload.historyId);
  if (record?.feedback && !record.feedbackSent) await sendFeedback(record);
}, (_, error) => notify(t('feedback.failed', { detail: error.message })));
