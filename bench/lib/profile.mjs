/**
 * Where an app's CPU time goes, per login (or per login start), from a V8 CPU profile of a
 * measured window. Each busy sample counts the same; the shares are then scaled to the process's
 * CPU time per login over the window (so they add up to the "app CPU" of the comparison, GC
 * helper threads and the thread pool included, and a machine busy with other work, which makes
 * samples arrive late, does not inflate them). Two views:
 *
 * - by component, a partition: each sample belongs to the innermost frame that has a source
 *   file (natives without one count for their caller), grouped by package or Node subsystem;
 *   the rows add up to the app's CPU time.
 * - named costs, which may overlap: samples with certain frames on their stack. The CPU
 *   profile sees only synchronous stacks, so work that runs in a callback later (an HTTP
 *   response's handlers, say) is not under the function that started it.
 */

/** Components, tried in order against a frame's URL (and function name for V8's own entries). */
const COMPONENTS = [
  ['GC', (f) => f.functionName === '(garbage collector)'],
  ['jsonwebtoken, jws (id_token signature and claims)', (f) => /node_modules\/(jsonwebtoken|jws|jwa)\//.test(f.url)],
  ['openid-client, oauth4webapi', (f) => /node_modules\/(openid-client|oauth4webapi)\//.test(f.url)],
  ['passport-oauth2, oauth', (f) => /node_modules\/(passport-oauth2|oauth)\//.test(f.url)],
  ['this strategy (dist/)', (f) => /\/dist\/(esm|commonjs)\//.test(f.url) && !/node_modules/.test(f.url)],
  ['Passport', (f) => /node_modules\/passport\//.test(f.url)],
  [
    'express-session and its cookie modules',
    (f) => /node_modules\/(express-session|on-headers|cookie-signature|uid-safe|random-bytes|cookie)\//.test(f.url),
  ],
  ['Express, its router and helpers', (f) => /node_modules\//.test(f.url)],
  ['Node crypto', (f) => /^node:(internal\/)?crypto/.test(f.url)],
  ['Node fetch (undici)', (f) => /^node:internal\/deps\/undici/.test(f.url)],
  ['Node HTTP, net and streams', (f) => /^node:(_http|net|stream|internal\/(http|streams|stream_base|net|dns|js_stream))/.test(f.url)],
  ['benchmark harness', (f) => /\/bench\//.test(f.url)],
  ['Node, other', (f) => /^node:/.test(f.url)],
];

const IDLE = new Set(['(idle)', '(program)']);

const file = (f) => f.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/dist\/(esm|commonjs)\//, 'dist/');
const is = (path, name) => (f) => file(f) === path && (name === undefined || f.functionName === name);
const anyOf =
  (...tests) =>
  (f) =>
    tests.some((test) => test(f));

/**
 * Named costs: a sample counts when every test finds a frame on its stack. The names are the
 * issue's: session serialisation, the explicit save, express-session's end-of-request hash, the
 * id_token check, the identity fetch.
 */
const NAMED = [
  [
    'session serialisation (express-session hash, MemoryStore JSON)',
    [anyOf(is('express-session/index.js', 'hash'), is('express-session/session/memory.js'))],
  ],
  [
    'explicit save before the redirect (Session.save under the pending-login store)',
    [is('express-session/session/session.js', 'save'), is('dist/pending-logins.js')],
  ],
  ["express-session's end-of-request hash", [is('express-session/index.js', 'end'), is('express-session/index.js', 'hash')]],
  [
    'id_token check (jsonwebtoken, dist/id-token.js, dist/key-sets.js)',
    [anyOf((f) => /^(jsonwebtoken|jws|jwa)\//.test(file(f)), is('dist/id-token.js'), is('dist/key-sets.js'))],
  ],
  [
    'identity fetch: request, origin check, profile (dist/)',
    [anyOf(is('dist/salesforce-client.js', 'fetchIdentity'), is('dist/profile.js'), is('dist/endpoints.js', 'checkIdentityURL'))],
  ],
  ['HTTP calls to Salesforce, token and identity (dist/salesforce-client.js)', [is('dist/salesforce-client.js')]],
  ['token exchange and id_token in openid-client', [(f) => /^(openid-client|oauth4webapi)\//.test(file(f))]],
];

/**
 * Attributes a profile's busy samples: `units` is how many logins (or starts) the window served,
 * `cpuMicros` the process's CPU time over it. Returns CPU µs per unit in all, by component and
 * for each named cost.
 */
export function attribute(profile, units, cpuMicros) {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const samplesAt = new Map();
  for (const id of profile.samples) samplesAt.set(id, (samplesAt.get(id) ?? 0) + 1);

  const components = Object.fromEntries(COMPONENTS.map(([name]) => [name, 0]));
  const named = Object.fromEntries(NAMED.map(([name]) => [name, 0]));
  let busy = 0;
  for (const [id, count] of samplesAt) {
    const leaf = nodes.get(id).callFrame;
    if (IDLE.has(leaf.functionName)) continue;
    busy += count;
    const stack = [];
    for (let at = id; at !== undefined; at = parent.get(at)) stack.push(nodes.get(at).callFrame);
    const owner = stack.find((f) => f.url !== '' || f.functionName === '(garbage collector)') ?? leaf;
    const component = COMPONENTS.find(([, test]) => test(owner));
    components[component ? component[0] : 'Node, other'] += count;
    for (const [name, tests] of NAMED) if (tests.every((test) => stack.some(test))) named[name] += count;
  }
  const cpuMicrosPerUnit = cpuMicros / Math.max(1, units);
  const perUnit = (count) => (busy === 0 ? 0 : (count / busy) * cpuMicrosPerUnit);
  return {
    units,
    samples: busy,
    cpuMicrosPerUnit,
    components: Object.fromEntries(Object.entries(components).map(([name, count]) => [name, perUnit(count)])),
    named: Object.fromEntries(Object.entries(named).map(([name, count]) => [name, perUnit(count)])),
  };
}

/** The top functions of a profile by self time, for a look at one profile (bench/profile-summary.mjs). */
export function topFunctions(profile, top) {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map();
  let busy = 0;
  for (const id of profile.samples) {
    const frame = nodes.get(id).callFrame;
    if (IDLE.has(frame.functionName)) continue;
    const key = `${frame.functionName || '(anonymous)'} ${file(frame) || '(native)'}:${frame.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + 1);
    busy += 1;
  }
  return [...self]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([key, count]) => ({ key, share: count / busy }));
}
