// The hook in diagnosis.js: a photo the network could not take is still queued for the service (so officers and
// retraining see it when the phone is back online), and, when the model is on the phone, answered here at once.
// The record then has .answer and .deviceAnswer (onDevice: true); diagnosis.js queues the answer with its photo
// (POST /v1/device-answers) and keeps the service's answer beside it (.serviceAnswer) when the two differ.
import { diagnoseOnDevice, stored } from './model.js';

export async function answerOffline(record, progress = () => {}) {
  if (typeof caches === 'undefined' || !(await stored(record.crop))) return false;
  try {
    progress({ phase: 'analysing' });
    const answer = await diagnoseOnDevice(record.crop, record.photo);
    record.answer = answer;
    record.deviceAnswer = answer;
    record.pending = false;
    record.onDevice = true;
    return true;
  } catch (e) {
    console.warn('answer on the phone failed', e);
    return false;
  }
}
