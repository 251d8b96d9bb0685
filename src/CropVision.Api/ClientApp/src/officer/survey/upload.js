// Uploading photos and zips to a survey: photos in requests of at most 8, a zip as one import job followed until it ends.
import { h, render } from '../../dom.js';
import { t } from '../../i18n.js';
import { officerApi } from '../api.js';
import { reason, root } from '../session.js';
import { problemText } from '../problems.js';

export /** Photos go in requests of at most 8; a zip goes as one import job, followed until it ends. */
async function upload(id, chosen, plot, ui, refresh) {
  ui.progress.hidden = false;
  render(ui.problems);
  const zips = chosen.filter((f) => f.name.toLowerCase().endsWith('.zip'));
  const photos = chosen.filter((f) => !zips.includes(f));
  const totals = { added: 0, duplicates: 0, failed: 0 };
  const bad = []; // kept across the page's refresh at the end
  const listBad = (line) => { bad.push(line); ui.problems.append(h('li', {}, line)); };
  try {
    for (let i = 0; i < photos.length; i += 8) {
      const batch = photos.slice(i, i + 8);
      render(ui.status, t('officer.uploading', { done: i, total: photos.length }));
      const { body } = await officerApi.addPhotos(id, batch, { plot }, (f) => { ui.progress.value = (i + f * batch.length) / photos.length; });
      const items = body.items ?? [{ observation: body, duplicate: false, fileName: batch[0].name }];
      for (const item of items) {
        if (item.error) { totals.failed++; listBad(`${item.fileName}: ${problemText(item.error)}`); }
        else if (item.duplicate) totals.duplicates++;
        else totals.added++;
      }
    }
    for (const zip of zips) {
      const { location: jobUrl } = await officerApi.startImport(id, zip, (f) => { ui.progress.value = f; }, plot);
      let job;
      do {
        await new Promise((r) => setTimeout(r, 1000));
        job = await officerApi.job(jobUrl);
        ui.progress.value = job.progress;
        // Photos, not zip entries (folders and plots.csv are entries too).
        render(ui.status, t('officer.importing', { done: job.processedPhotos ?? job.processedEntries, total: job.totalPhotos || job.totalEntries }));
      } while (job.state === 'queued' || job.state === 'running');
      totals.added += job.added; totals.duplicates += job.duplicates; totals.failed += job.failed;
      for (const p of job.problems) listBad(`${p.name}: ${problemText({ code: p.code })}`);
      if (job.plotsUsed?.length) listBad(t('officer.importPlots', { created: job.plotsCreated.join(', ') || '–', used: job.plotsUsed.join(', ') }));
    }
    ui.progress.value = 1;
    const done = t('officer.uploadDone', totals);
    await refresh();
    const status = root.querySelector('[data-testid=upload-status]');
    if (status) render(status, done);
    const problems = root.querySelector('[data-testid=upload-problems]');
    if (problems) render(problems, bad.map((line) => h('li', {}, line)));
  } catch (e) {
    render(ui.status, t('officer.error', { reason: reason(e) }));
  }
}

