/**
 * Which HTTP client should the strategy use for its calls to Salesforce? The same GET, with a
 * Bearer header and the whole body read, through:
 *
 * - `fetch`: the global fetch (undici inside Node 20);
 * - `http keep-alive`: `http.request` with a keep-alive `http.Agent` (what salesforce-client.ts does);
 * - `http no keep-alive`: `http.request` with a new connection per call.
 *
 * `concurrency` calls are in flight at all times; calls per second, latency and the client's own
 * CPU time per call are reported.
 */
import { Buffer } from 'node:buffer';
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { latencySummary, Samples } from '../lib/stats.mjs';

export const CLIENTS = ['fetch', 'http keep-alive', 'http no keep-alive'];

function viaHttp(agent) {
  return (url, headers) =>
    new Promise((resolve, reject) => {
      const request = http.request(url, { method: 'GET', headers, agent }, (response) => {
        const chunks = [];
        response.on('data', (chunk) => chunks.push(chunk));
        response.on('end', () => {
          if (response.statusCode !== 200) reject(new Error(`status ${response.statusCode}`));
          else resolve(Buffer.concat(chunks).toString('utf8'));
        });
        response.on('error', reject);
      });
      request.on('error', reject);
      request.end();
    });
}

async function viaFetch(url, headers) {
  const response = await fetch(url, { headers });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`status ${response.status}`);
  return text;
}

function clientFor(name) {
  if (name === 'fetch') return { call: viaFetch, close: () => {} };
  const agent = new http.Agent({ keepAlive: name === 'http keep-alive' });
  return { call: viaHttp(agent), close: () => agent.destroy() };
}

export async function runClient({ client: name, url, headers, duration, concurrency }) {
  const client = clientFor(name);
  const latencies = new Samples();
  let failures = 0;
  let lastFailure;
  const cpuBefore = process.cpuUsage();
  const began = performance.now();
  const deadline = began + duration * 1000;
  const loop = async () => {
    while (performance.now() < deadline) {
      const t0 = performance.now();
      try {
        JSON.parse(await client.call(url, headers));
        latencies.push(performance.now() - t0);
      } catch (error) {
        failures += 1;
        lastFailure = error instanceof Error ? error.message : String(error);
        if (failures > 1000) break;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  const seconds = (performance.now() - began) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  client.close();
  return {
    callsPerSecond: latencies.length / seconds,
    calls: latencies.length,
    seconds,
    // This process runs nothing but the client while it is measured.
    clientCpuMicrosPerCall: (cpu.user + cpu.system) / Math.max(1, latencies.length),
    latency: latencySummary(latencies.values()),
    failures,
    lastFailure,
  };
}
