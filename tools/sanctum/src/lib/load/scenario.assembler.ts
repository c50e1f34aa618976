import type { DeliveryCounts, ObjectiveResult, ResourceSample, ScenarioResult, TimelinePoint } from '../smoke-result.js';
import type { DiskSyncSample } from './disk-sync.probe.js';
import { slowestSyncBySecond, summarizeDiskSyncs } from './disk-sync.summary.js';
import type { OpenLoopResult } from './open-loop.generator.js';
import type { ProcessReading } from './resource.summary.js';
import { summarizeResources } from './resource.summary.js';
import type { ScenarioPlan } from './scenario.catalog.js';
import { evaluateObjectives } from './slo.evaluator.js';
import type { SloFile } from './slo.schema.js';

/** The disk probe's samples of a scenario's window, and the probe's period. */
export interface DiskSyncs {
  readonly samples: readonly DiskSyncSample[];
  readonly intervalMs: number;
}

/**
 * Turns what the generator, the resource monitor and the disk probe (when
 * there was one) measured into the scenario's record, judged by the SLO file.
 */
export function assembleScenario(
  plan: ScenarioPlan,
  run: OpenLoopResult,
  readings: ReadonlyMap<string, readonly ProcessReading[]>,
  slo: SloFile,
  disk?: DiskSyncs,
): ScenarioResult & { resourceGaps: { service: string; reason: string }[] } {
  const objectivesSlo = slo.scenarios[plan.name];
  if (objectivesSlo === undefined) throw new Error(`the SLO file sets no objectives for ${plan.name}`);
  const resources = summarizeResources(readings, slo.memoryGrowth);
  const errorRate = run.requests.scheduled === 0 ? null : run.requests.errors / run.requests.scheduled;
  const objectives = evaluateObjectives(objectivesSlo, {
    errorRate,
    latencyMs: run.requests.scheduled === 0 ? null : run.latencyMs,
    deliveryLatencyMs: run.deliveryLatencyMs ?? null,
    cpu: resources.worstCpu,
    memoryGrowth: resources.worstGrowth,
    resourceGaps: resources.gaps.map((g) => `${g.service}: ${g.reason}`),
  });
  if (run.delivery !== undefined) objectives.push(deliveryObjective(run.delivery));
  const valid = run.invalidReasons.length === 0;
  const diskSummary = disk === undefined ? undefined : summarizeDiskSyncs(disk.samples, run.startedAtMs, disk.intervalMs);
  const slowestSync = disk === undefined ? undefined : slowestSyncBySecond(disk.samples, run.startedAtMs);
  return {
    name: plan.name,
    targetRps: plan.targetRps,
    durationS: plan.durationS,
    warmupS: run.warmupS,
    payloadBytes: run.payloadBytes,
    requests: run.requests,
    errorRate: errorRate ?? 1,
    latencyMs: run.latencyMs,
    ...(run.deliveryLatencyMs === undefined ? {} : { deliveryLatencyMs: run.deliveryLatencyMs }),
    ...(run.delivery === undefined ? {} : { delivery: run.delivery }),
    resources: resources.resources,
    resourceGaps: resources.gaps,
    valid,
    invalidReasons: run.invalidReasons,
    objectives,
    passed: valid && objectives.every((o) => o.passed),
    target: run.target,
    errorBreakdown: run.errorBreakdown,
    generator: run.generator,
    ...(diskSummary === undefined ? {} : { disk: diskSummary }),
    timeline: run.seconds.map(
      (s): TimelinePoint => ({
        t: s.t,
        scheduled: s.scheduled,
        completed: s.completed,
        errors: s.errors,
        p50Ms: s.latency?.p50 ?? null,
        p95Ms: s.latency?.p95 ?? null,
        p99Ms: s.latency?.p99 ?? null,
        maxMs: s.latency?.max ?? null,
        ...(run.deliveryLatencyMs === undefined
          ? {}
          : { deliveryP50Ms: s.delivery?.p50 ?? null, deliveryP95Ms: s.delivery?.p95 ?? null, deliveryP99Ms: s.delivery?.p99 ?? null }),
        dispatchLagMaxMs: s.health.dispatchLagMaxMs,
        eventLoopDelayMaxMs: s.health.eventLoopDelayMaxMs,
        generatorCpuPercent: s.health.cpuPercent,
        ...(slowestSync === undefined ? {} : { diskSyncMaxMs: slowestSync.get(s.t) ?? null }),
      }),
    ),
    resourceSamples: [...readings].map(([service, list]) => ({ service, samples: toSamples(list, run.startedAtMs) })),
    histograms: run.histograms,
    startedAt: new Date(run.startedAtMs).toISOString(),
    finishedAt: new Date(run.finishedAtMs).toISOString(),
  };
}

/**
 * Not an SLO but the platform's promise: every envelope a 2xx send stored
 * reaches its device. For targets that watch the recipients' sockets it is
 * judged in every run, whatever the SLO file says, and one envelope short
 * (not arrived within the grace period after the last send) fails it.
 */
function deliveryObjective(delivery: DeliveryCounts): ObjectiveResult {
  const missing = delivery.expected - delivery.delivered;
  return {
    objective: 'undelivered_envelopes',
    threshold: 1,
    measured: missing,
    unit: 'envelopes',
    passed: missing < 1,
    detail: `${delivery.delivered} of ${delivery.expected} arrived`,
  };
}

function toSamples(readings: readonly ProcessReading[], startMs: number): ResourceSample[] {
  return readings.map((reading, i) => {
    const previous = readings[i - 1];
    const seconds = previous === undefined ? 0 : (reading.atMs - previous.atMs) / 1000;
    const cpuPercent = previous === undefined || seconds <= 0 ? 0 : ((reading.cpuSeconds - previous.cpuSeconds) / seconds) * 100;
    return {
      t: Math.round((reading.atMs - startMs) / 100) / 10,
      cpuPercent: Math.round(cpuPercent * 10) / 10,
      rssBytes: reading.rssBytes,
    };
  });
}
