/**
 * What makes a run unusable, whatever its numbers: a contender that completed no logins (or no
 * redirects), a failed request, an error in an app, a part that broke off (a failed login in the
 * round-trip part breaks it off). CI's `--quick` run fails on it.
 */
import { LABELS } from './apps.mjs';

export function failedContenders(results, summary) {
  const problems = [];
  for (const leg of ['redirect', 'login']) {
    for (const [contender, s] of Object.entries(summary[leg]?.perContender ?? {})) {
      if (s.failures > 0) problems.push(`${leg}: ${LABELS[contender]} had ${s.failures} failed request(s)`);
      if (!(s.count > 0)) problems.push(`${leg}: ${LABELS[contender]} completed none`);
    }
  }
  for (const [part, message] of Object.entries(results.partErrors ?? {})) problems.push(`${part} broke off: ${message}`);
  for (const [contender, errors] of Object.entries(results.appErrors ?? {})) {
    if (errors.count > 0) problems.push(`${LABELS[contender]}: ${errors.count} error(s) in the app (${errors.messages.join('; ')})`);
  }
  return problems;
}
