// The crops and their models, from /v1/models (never hard-coded). Loaded once; the service worker keeps the last
// answer for offline use.
import { api } from './api.js';
import { TaskStress } from './names.js';

let loading = null;
const savedKey = 'cropvision.models';

/** The crop list: from the service (or the service worker's copy), else the last one this page saw. */
export function loadModels() {
  loading ??= api.models({ retries: 2 }).then((models) => {
    localStorage.setItem(savedKey, JSON.stringify(models));
    return models;
  }, (e) => {
    loading = null;
    const saved = localStorage.getItem(savedKey);
    if (saved) return JSON.parse(saved);
    throw e;
  });
  return loading;
}

/** The crop's summary from /v1/models, or undefined. */
export const findCrop = (models, crop) => models?.crops.find((c) => c.crop === crop);

/** The crop's disease classes [{label, en, vi}] (its stress task), empty when it has no model. */
export const classesOf = (cropInfo) => cropInfo?.tasks.find((task) => task.output === TaskStress)?.classes ?? [];

export const cropName = (cropInfo, crop) => ({ en: cropInfo?.nameEn ?? crop, vi: cropInfo?.nameVi ?? crop });
