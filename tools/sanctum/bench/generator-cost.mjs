// The smoke generator's own CPU per request, at given rates, against the fast
// reference server (its own process): after two unmeasured seconds at each
// rate, `process.cpuUsage` over a measured run divided by its requests. This is
// the number that decides how fast the generator can go (docs/benchmarks.md).
// Runs against the built CLI (npm run build first):
//   node tools/sanctum/bench/generator-cost.mjs [rate ...] [--seconds 5] [--connections 64]
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { httpTarget, runOpenLoop, runRelaunched, smokeHeapRelaunchArgs } from '../dist/index.js';

// The generator's heap as `sanctum smoke` sizes it (SMOKE_NODE_FLAGS): measured as it runs.
const relaunch = smokeHeapRelaunchArgs(process.argv, process.execArgv, process.env.NODE_OPTIONS);
if (relaunch !== undefined) process.exit(await runRelaunched(relaunch));

const here = (path) => fileURLToPath(new URL(path, import.meta.url));
const limits = JSON.parse(readFileSync(here('../../../slo/nightly.json'), 'utf8')).generator;
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(`--${name}`);
  if (at === -1) return fallback;
  const [value] = args.splice(at, 2).slice(1);
  return Number(value);
};
const seconds = option('seconds', 5);
const connections = option('connections', 64);
const rates = args.length > 0 ? args.map(Number) : [4000, 8000, 12000];

const server = spawn(process.execPath, [here('./reference-server.mjs'), 'fast'], { stdio: ['ignore', 'pipe', 'inherit'] });
const { port } = JSON.parse(await new Promise((resolve) => createInterface({ input: server.stdout }).once('line', resolve)));
const target = httpTarget({ name: 'reference', description: 'GET /', interim: true, url: `http://127.0.0.1:${port}/` });
const run = (rate, durationS, scenario) =>
  runOpenLoop({ scenario, target, targetRps: rate, durationS, payloadBytes: 0, timeoutMs: 10_000, maxConnections: connections, limits });

console.log('| rate (req/s) | CPU per request: user + system (µs) | generator CPU | p99 (ms) | dispatch lag p99 (ms) | valid |');
console.log('|---:|---:|---:|---:|---:|---|');
try {
  for (const rate of rates) {
    await run(rate, 2, 'warm-up');
    const before = process.cpuUsage();
    const result = await run(rate, seconds, 'cost');
    const cpu = process.cpuUsage(before);
    const per = (us) => (us / result.requests.scheduled).toFixed(1);
    console.log(
      `| ${rate} | ${per(cpu.user)} + ${per(cpu.system)} = ${per(cpu.user + cpu.system)} | ${result.generator.cpuAvgPercent.toFixed(1)}% ` +
        `| ${result.latencyMs.p99.toFixed(2)} | ${result.generator.dispatchLagMs.p99.toFixed(2)} | ${result.invalidReasons.length === 0 ? 'yes' : result.invalidReasons.join('; ')} |`,
    );
  }
} finally {
  server.kill('SIGTERM');
}
