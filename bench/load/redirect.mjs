/**
 * The redirect leg: autocannon against `GET /auth/salesforce`, each request a new visitor (no
 * cookie), counting only 302 answers. Latencies are taken from autocannon's per-response
 * timings (µs resolution) rather than its whole-millisecond histogram.
 */
import autocannon from 'autocannon';
import { latencySummary, Samples } from '../lib/stats.mjs';

/** `latencies`: where to add the 302s' latencies, to summarise several runs as one. */
export async function runRedirectLeg({ url, duration, connections, latencies = new Samples() }) {
  const statuses = {};
  const instance = autocannon({
    url: `${url}/auth/salesforce`,
    duration,
    connections,
    pipelining: 1,
  });
  instance.on('response', (_client, statusCode, _bytes, responseTime) => {
    statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
    if (statusCode === 302) latencies.push(responseTime);
  });
  const result = await instance;
  const redirects = statuses[302] ?? 0;
  return {
    rps: redirects / result.duration,
    redirects,
    seconds: result.duration,
    latency: latencySummary(latencies.values()),
    statuses,
    errors: result.errors,
    timeouts: result.timeouts,
  };
}
