// What went wrong, in the page's language: the API's problems carry a stable `code` (Http/Problems.cs) mapped here to the
// string table's problem.<code>; a code without a text falls back to a generic sentence (by status where one fits),
// never to the API's English detail.
import { t } from '../i18n.js';
import { NetworkError, ProblemError } from '../api.js';

const has = (key) => t(key) !== key;

/** The text for a problem object (RFC 9457 body with code and status), e.g. one photo's error inside a batch answer. */
export function problemText(problem, status = problem?.status) {
  const code = problem?.code;
  if (code && has(`problem.${code}`)) return t(`problem.${code}`);
  if (status && has(`problem.http-${status}`)) return t(`problem.http-${status}`);
  return t('problem.generic');
}

/** The text for anything a request threw. */
export function errorText(e) {
  if (e instanceof ProblemError) return problemText(e.problem, e.status);
  if (e instanceof NetworkError || e?.name === 'NetworkError') return t('problem.network');
  return t('problem.generic');
}
