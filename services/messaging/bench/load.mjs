// Load generation with undici: closed-loop (as fast as it answers) for
// throughput, open-loop (fixed schedule, latency from the intended time) for
// latency and soak.
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';

/** Keeps `concurrency` requests in flight for `seconds`; returns completed, ok (2xx) and rate. */
export async function closedLoop({ origin, concurrency, seconds, makeRequest }) {
  const pool = new Pool(origin, { connections: concurrency, pipelining: 1 });
  const deadline = performance.now() + seconds * 1000;
  let ok = 0;
  let failed = 0;
  const statuses = new Map();
  const worker = async () => {
    while (performance.now() < deadline) {
      const { statusCode, body } = await pool.request(makeRequest());
      await body.dump();
      statuses.set(statusCode, (statuses.get(statusCode) ?? 0) + 1);
      if (statusCode >= 200 && statusCode < 300) ok++;
      else failed++;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = (performance.now() - started) / 1000;
  await pool.close();
  return { ok, failed, statuses: Object.fromEntries(statuses), seconds: elapsed, rate: ok / elapsed };
}

/**
 * Sends `rate` requests per second for `seconds`, each at its intended time
 * whatever the answers; `makeRequest(intendedMs)` builds request i. Reports
 * whether the generator kept its schedule (late by more than 100 ms = invalid).
 */
export async function openLoop({ origin, rate, seconds, makeRequest, connections = 128, onAnswer }) {
  const pool = new Pool(origin, { connections, pipelining: 1 });
  const total = Math.round(rate * seconds);
  const interval = 1000 / rate;
  const start = performance.now() + 50;
  let maxLagMs = 0;
  let ok = 0;
  let failed = 0;
  const inFlight = new Set();
  for (let i = 0; i < total; i++) {
    const intended = start + i * interval;
    const wait = intended - performance.now();
    if (wait > 1) await sleep(wait);
    maxLagMs = Math.max(maxLagMs, performance.now() - intended);
    const request = pool
      .request(makeRequest(intended, i))
      .then(async ({ statusCode, body }) => {
        await body.dump();
        if (statusCode >= 200 && statusCode < 300) ok++;
        else failed++;
        onAnswer?.(statusCode, intended);
      })
      .catch(() => failed++)
      .finally(() => inFlight.delete(request));
    inFlight.add(request);
  }
  await Promise.all(inFlight);
  await pool.close();
  return { scheduled: total, ok, failed, maxLagMs, valid: maxLagMs < 100 };
}

/** Percentiles of a list of numbers (ms). */
export function summarize(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
  const round = (v) => Math.round(v * 100) / 100;
  return { count: sorted.length, p50: round(at(0.5)), p95: round(at(0.95)), p99: round(at(0.99)), max: round(sorted.at(-1) ?? NaN) };
}
