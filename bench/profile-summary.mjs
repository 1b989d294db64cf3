/**
 * Summarises a V8 `.cpuprofile` (from `npm run bench -- --profile`): the top functions by self
 * time, and the inclusive time of every function whose name or file matches a filter.
 *
 *   node bench/profile-summary.mjs bench/results/profiles/app-strategy-….cpuprofile [filter] [top]
 */
import { readFileSync } from 'node:fs';

const [file, filter = 'passport-salesforce-pkce|passport-oauth2|pkcesession|express-session', topArg = '25'] = process.argv.slice(2);
if (!file) {
  console.error('usage: node bench/profile-summary.mjs <file.cpuprofile> [filter regexp] [top N]');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8'));
const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
const parent = new Map();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

// Self samples per node; each sample lasts its time delta.
const selfMicros = new Map();
profile.samples.forEach((id, i) => selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const total = [...selfMicros.values()].reduce((a, b) => a + b, 0);
const idle = [...selfMicros]
  .filter(([id]) => ['(idle)', '(program)'].includes(nodes.get(id).callFrame.functionName))
  .reduce((a, [, t]) => a + t, 0);

const label = (frame) =>
  `${frame.functionName || '(anonymous)'} ${frame.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/(dist|bench)\//, '$1/')}:${frame.lineNumber + 1}`;

const self = new Map();
for (const [id, micros] of selfMicros) {
  const key = label(nodes.get(id).callFrame);
  self.set(key, (self.get(key) ?? 0) + micros);
}

// Inclusive: a sample counts once for every distinct function on its stack.
const inclusive = new Map();
const pattern = new RegExp(filter);
for (const [id, micros] of selfMicros) {
  const seen = new Set();
  for (let at = id; at !== undefined; at = parent.get(at)) {
    const key = label(nodes.get(at).callFrame);
    if (seen.has(key) || !pattern.test(key)) continue;
    seen.add(key);
    inclusive.set(key, (inclusive.get(key) ?? 0) + micros);
  }
}

const pct = (micros) => `${((100 * micros) / (total - idle)).toFixed(1).padStart(5)}%`;
console.log(`${file}: ${(total / 1e6).toFixed(1)} s sampled, ${(idle / 1e6).toFixed(1)} s idle/program; percentages of busy time`);
console.log('\nself time:');
for (const [key, micros] of [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(topArg))) console.log(`${pct(micros)}  ${key}`);
console.log(`\ninclusive time, /${filter}/:`);
for (const [key, micros] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, Number(topArg))) console.log(`${pct(micros)}  ${key}`);
