// Names the service defines (CropVision.Core TaskNames, prediction status values).
export const TaskStress = 'stress';
export const Status = { ok: 'ok', uncertain: 'uncertain', rejected: 'rejected' };
