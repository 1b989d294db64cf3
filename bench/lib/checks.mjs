/**
 * What makes a run unusable, whatever its numbers: a contender that completed no logins (or no
 * redirects) in some part, a failed request, an error in an app, a part that broke off. CI's
 * `--quick` run fails on it.
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
  for (const leg of ['redirect', 'login']) {
    for (const [contender, points] of Object.entries(summary.concurrency?.[leg] ?? {})) {
      const failures = points.reduce((n, p) => n + p.failures, 0);
      if (failures > 0) problems.push(`concurrency ${leg}: ${LABELS[contender]} had ${failures} failed`);
      if (points.some((p) => !(p.perSecond > 0))) problems.push(`concurrency ${leg}: ${LABELS[contender]} completed none at some level`);
    }
  }
  if (results.orgs) {
    const failures = results.orgs.points.reduce((n, p) => n + (p.failures ?? 0), 0);
    const logins = results.orgs.points.reduce((n, p) => n + (p.logins ?? 0), 0);
    if (failures > 0 || logins !== results.orgs.orgs)
      problems.push(`orgs: ${logins} of ${results.orgs.orgs} logins succeeded, ${failures} failed`);
  }
  if (summary.soak) {
    if (summary.soak.failed > 0)
      problems.push(`soak: ${summary.soak.failed} action(s) failed (${Object.keys(results.soak.failures).join('; ')})`);
    for (const [action, n] of Object.entries(summary.soak.actions)) if (!(n > 0)) problems.push(`soak: no ${action} completed`);
  }
  for (const [part, message] of Object.entries(results.partErrors ?? {})) problems.push(`${part} broke off: ${message}`);
  for (const [contender, errors] of Object.entries(results.appErrors ?? {})) {
    if (errors.count > 0) problems.push(`${LABELS[contender]}: ${errors.count} error(s) in the app (${errors.messages.join('; ')})`);
  }
  return problems;
}
