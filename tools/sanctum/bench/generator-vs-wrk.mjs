// Benchmark of the smoke generator against wrk (Debian package `wrk`) on the
// same reference server, in one run:
//   1. maximum request rate: wrk's closed-loop throughput, then the highest
//      rate the open-loop generator keeps (valid run, no errors, answers keep
//      pace) and the highest it keeps with p99 < 50 ms, each after two
//      unmeasured seconds at that rate, in one of two attempts;
//   2. latency accuracy on a server that freezes 1 s every 5 s: the p99 each
//      tool reports against the true p99 of a constant-rate client.
// Runs against the built CLI (npm run build first): npm run bench -w tools/sanctum
import { execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { httpTarget, runOpenLoop, runRelaunched, smokeHeapRelaunchArgs } from '../dist/index.js';

// The generator's heap as `sanctum smoke` sizes it (SMOKE_NODE_FLAGS): measured as it runs.
const relaunch = smokeHeapRelaunchArgs(process.argv, process.execArgv, process.env.NODE_OPTIONS);
if (relaunch !== undefined) process.exit(await runRelaunched(relaunch));

const run = promisify(execFile);
const here = (path) => fileURLToPath(new URL(path, import.meta.url));
const limits = JSON.parse(readFileSync(here('../../../slo/nightly.json'), 'utf8')).generator;

async function startServer(mode, args = []) {
  const child = spawn(process.execPath, [here('./reference-server.mjs'), mode, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise((resolve) => createInterface({ input: child.stdout }).once('line', resolve));
  const info = JSON.parse(line);
  return { ...info, url: `http://127.0.0.1:${info.port}/`, stop: () => child.kill('SIGTERM') };
}

function toMs(text) {
  const match = /^([\d.]+)(us|ms|s)$/.exec(text);
  if (!match) return NaN;
  const value = Number(match[1]);
  return match[2] === 'us' ? value / 1000 : match[2] === 's' ? value * 1000 : value;
}

async function wrk(url, seconds, connections) {
  const { stdout } = await run('wrk', ['-t2', `-c${connections}`, `-d${seconds}s`, '--latency', url]);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1]);
  const percentile = (p) => toMs(new RegExp(`^\\s+${p}%\\s+(\\S+)`, 'm').exec(stdout)?.[1] ?? '');
  return { rps, p50: percentile(50), p99: percentile(99) };
}

async function generator(url, rate, durationS, { scenario = 'bench', maxConnections = 1024, warmupS = 0 } = {}) {
  return runOpenLoop({
    scenario,
    target: httpTarget({ name: 'reference', description: 'GET /', interim: true, url }),
    targetRps: rate,
    durationS,
    warmupS,
    payloadBytes: 0,
    timeoutMs: 10_000,
    maxConnections,
    limits,
  });
}

function analyticP99(startedAtMs, rate, count, epochMs) {
  const values = [];
  for (let i = 0; i < count; i += 1) {
    const phase = (((startedAtMs + (i * 1000) / rate - epochMs) % 5000) + 5000) % 5000;
    values.push(phase < 1000 ? 1000 - phase : 0);
  }
  values.sort((a, b) => a - b);
  return values[Math.ceil(0.99 * count) - 1];
}

const fmt = (n, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

try {
  await run('wrk', ['--version']).catch((error) => {
    if (error.code === 'ENOENT') throw new Error('wrk is not installed: apt-get install -y wrk');
  });
} catch (error) {
  console.error(error.message);
  process.exit(1);
}

console.error(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, node ${process.version} ${process.execArgv.join(' ')}, ${new Date().toISOString()}`);

// 1. Maximum rate.
const fast = await startServer('fast');
// Both tools get 64 connections. With the generator's usual cap (1,024) a step's first burst found every
// connection busy and opened hundreds more, a connect on both sides each, and that alone broke the p99 of
// an 8,000 req/s step (docs/benchmarks.md).
const CONNECTIONS = 64;
const reportWrk = (run, when) => {
  console.error(`wrk ${when}: ${fmt(run.rps, 0)} req/s (p50 ${fmt(run.p50, 2)} ms, p99 ${fmt(run.p99, 2)} ms)`);
  return run;
};
const first = reportWrk(await wrk(fast.url, 10, CONNECTIONS), 'before the generator');
// Two verdicts per step. `kept`: the generator kept its schedule (its run is valid under the SLO file's
// generator limits: dispatch lag, event-loop delay, its CPU), no request failed, and the answers kept pace
// (answered >= 99% of the rate over the run and its drain). That is the rate the generator can offer, the
// counterpart of wrk's throughput. `p99 < 50 ms` additionally asks the system to answer fast at that rate;
// on two shared cores it is the reference server's and the machine's limit as much as the generator's:
// 12,000 req/s from one generator process and 2 x 6,000 from two gave the same ~40-60 ms p99 (docs/benchmarks.md).
const best = { kept: { rate: 0, achieved: 0, p99: NaN }, fast: { rate: 0, achieved: 0, p99: NaN } };
// Steps of 5% up to 70% of wrk: the target (50%) sits in that range, and a coarser grid reads the ceiling low.
for (const share of [0.02, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.85, 1.0, 1.2]) {
  const rate = Math.round(first.rps * share);
  // Two unmeasured seconds first, the rate rising to the step's, on the same connections (the generator's
  // warm-up; wrk2 calibrates at the full rate before it records): without them
  // each step's first second (code not yet optimised on both sides, the pool opening connections) held
  // 0.5-1 s of dispatch lag at 3,000-5,000 req/s and decided the verdict (docs/benchmarks.md).
  // A step gets a second attempt: one 30 ms hiccup of this shared VM fails a 5-second window's p99.
  let keptOnce = false;
  for (let attempt = 1; attempt <= 2; attempt += 1) {
    const result = await generator(fast.url, rate, 5, { maxConnections: CONNECTIONS, warmupS: 2 });
    const achieved = result.requests.completed / ((result.finishedAtMs - result.startedAtMs) / 1000);
    const kept = result.invalidReasons.length === 0 && result.requests.errors === 0 && achieved >= 0.99 * rate;
    const quick = kept && result.latencyMs.p99 < 50;
    console.error(
      `generator at ${rate} req/s, attempt ${attempt}: ${kept ? 'kept' : 'not kept'}, p99 ${quick ? '<' : '>='} 50 ms (answered ${fmt(achieved, 0)}/s, p99 ${fmt(result.latencyMs.p99, 2)} ms, ` +
        `lag p99 ${fmt(result.generator.dispatchLagMs.p99, 2)} ms, CPU ${fmt(result.generator.cpuAvgPercent)}%${result.invalidReasons.length > 0 ? `; ${result.invalidReasons.join('; ')}` : ''})`,
    );
    const step = { rate, achieved, p99: result.latencyMs.p99 };
    if (kept && rate > best.kept.rate) best.kept = step;
    if (quick && rate > best.fast.rate) best.fast = step;
    keptOnce ||= kept;
    if (quick) break;
  }
  if (!keptOnce) break;
}
// wrk again after the steps, and the better of its two runs is the reference: this VM's speed drifts by
// tens of percent within minutes (one run read 24,582 req/s, the next 41,893), and a low reading would
// flatter the generator's share.
const second = reportWrk(await wrk(fast.url, 10, CONNECTIONS), 'after the generator');
const reference = first.rps >= second.rps ? first : second;
fast.stop();

// 2. Accuracy on a freezing server.
const rate = 500;
const seconds = 20;
const stallGen = await startServer('stall', ['--stall-every-ms', '5000', '--stall-ms', '1000']);
const ours = await generator(stallGen.url, rate, seconds, { scenario: 'stall' });
const truthOurs = analyticP99(ours.startedAtMs, rate, rate * seconds, stallGen.epochMs);
stallGen.stop();
const stallWrk = await startServer('stall', ['--stall-every-ms', '5000', '--stall-ms', '1000']);
const theirs = await wrk(stallWrk.url, seconds, 50);
stallWrk.stop();
// A constant-rate client's true p99 does not depend on the phase much: 950 ms for a 1 s freeze every 5 s.
const truthWrk = 950;

console.log(`| measure | wrk | sanctum smoke generator |
|---|---:|---:|
| max rate on the fast reference server | ${fmt(reference.rps, 0)} req/s (closed loop, ${CONNECTIONS} connections; better of ${fmt(first.rps, 0)} before and ${fmt(second.rps, 0)} after) | ${best.kept.rate} req/s kept (open loop, ${CONNECTIONS} connections; ${fmt((best.kept.rate / reference.rps) * 100, 1)}% of wrk), answered ${fmt(best.kept.achieved, 0)}/s, p99 ${fmt(best.kept.p99, 2)} ms |
| max rate with p99 < 50 ms | (closed loop: not comparable) | ${best.fast.rate} req/s (${fmt((best.fast.rate / reference.rps) * 100, 1)}% of wrk), p99 ${fmt(best.fast.p99, 2)} ms |
| p99 on the freezing server (1 s every 5 s) | ${fmt(theirs.p99)} ms vs true ${truthWrk} ms (${fmt(((theirs.p99 - truthWrk) / truthWrk) * 100)}%) | ${fmt(ours.latencyMs.p99)} ms vs true ${fmt(truthOurs)} ms (${fmt(((ours.latencyMs.p99 - truthOurs) / truthOurs) * 100)}%), run ${ours.invalidReasons.length === 0 ? 'valid' : 'INVALID'} |`);
