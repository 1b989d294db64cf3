/**
 * A look at one V8 `.cpuprofile` (the profile part writes them to bench/results/profiles/): the
 * top functions by self time, and, given how many logins (or login starts) it covers and the
 * CPU µs the process spent meanwhile, the µs per login by component and for the named costs of
 * lib/profile.mjs.
 *
 *   node bench/profile-summary.mjs bench/results/profiles/login-strategy.cpuprofile [top] [units cpuMicros]
 */
import { readFileSync } from 'node:fs';
import { attribute, topFunctions } from './lib/profile.mjs';

const [path, topArg = '25', unitsArg, cpuArg] = process.argv.slice(2);
if (!path) {
  console.error('usage: node bench/profile-summary.mjs <file.cpuprofile> [top N] [logins it covers, CPU µs over them]');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(path, 'utf8'));
console.log(`${path}\n\nself time, share of busy time:`);
for (const { key, share } of topFunctions(profile, Number(topArg))) console.log(`${(100 * share).toFixed(1).padStart(5)}%  ${key}`);
if (unitsArg && cpuArg) {
  const { cpuMicrosPerUnit, components, named } = attribute(profile, Number(unitsArg), Number(cpuArg));
  console.log(`\nCPU: ${cpuMicrosPerUnit.toFixed(1)} µs per unit\n\nby component:`);
  for (const [name, micros] of Object.entries(components)) console.log(`${micros.toFixed(1).padStart(8)} µs  ${name}`);
  console.log('\nnamed costs (may overlap):');
  for (const [name, micros] of Object.entries(named)) console.log(`${micros.toFixed(1).padStart(8)} µs  ${name}`);
}
