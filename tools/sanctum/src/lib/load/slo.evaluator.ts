import type { LatencySummary, ObjectiveResult } from '../smoke-result.js';
import { OBJECTIVE_UNITS } from './slo.schema.js';
import type { ObjectiveName, ScenarioSlo } from './slo.schema.js';

/** What one scenario measured; null (or absent) where something could not be measured. */
export interface ScenarioMeasurements {
  readonly errorRate: number | null;
  readonly latencyMs: LatencySummary | null;
  readonly deliveryLatencyMs?: LatencySummary | null;
  readonly cpu: { value: number; service: string } | null;
  readonly memoryGrowth: { value: number; service: string } | null;
  /** Why a resource value is missing, for the objective's detail. */
  readonly resourceGaps?: readonly string[];
}

/**
 * Checks every objective the SLO file sets for a scenario: each passes only
 * when it was measured and the value is strictly below the threshold. A
 * missing measurement fails, so a broken monitor can never let a run through.
 */
export function evaluateObjectives(slo: ScenarioSlo, measured: ScenarioMeasurements): ObjectiveResult[] {
  const results: ObjectiveResult[] = [];
  for (const objective of Object.keys(OBJECTIVE_UNITS) as ObjectiveName[]) {
    const threshold = slo[objective];
    if (threshold === undefined) continue;
    const { value, detail } = valueOf(objective, measured);
    results.push({
      objective,
      threshold,
      measured: value,
      unit: OBJECTIVE_UNITS[objective],
      passed: value !== null && Number.isFinite(value) && value < threshold,
      ...(detail === undefined ? {} : { detail }),
    });
  }
  return results;
}

function valueOf(objective: ObjectiveName, m: ScenarioMeasurements): { value: number | null; detail?: string } {
  const gaps = m.resourceGaps?.join('; ');
  switch (objective) {
    case 'error_rate':
      return { value: m.errorRate };
    case 'latency_p50_ms':
      return { value: m.latencyMs?.p50 ?? null };
    case 'latency_p95_ms':
      return { value: m.latencyMs?.p95 ?? null };
    case 'latency_p99_ms':
      return { value: m.latencyMs?.p99 ?? null };
    case 'delivery_latency_p95_ms':
      return m.deliveryLatencyMs == null ? { value: null, detail: 'delivery latency was not measured by this target' } : { value: m.deliveryLatencyMs.p95 };
    case 'delivery_latency_p99_ms':
      return m.deliveryLatencyMs == null ? { value: null, detail: 'delivery latency was not measured by this target' } : { value: m.deliveryLatencyMs.p99 };
    case 'cpu_avg_percent':
      return m.cpu === null ? { value: null, detail: gaps ?? 'not measured' } : { value: m.cpu.value, detail: `worst: ${m.cpu.service}` };
    case 'memory_growth_percent':
      return m.memoryGrowth === null
        ? { value: null, detail: gaps ?? 'not measured' }
        : { value: m.memoryGrowth.value, detail: `worst: ${m.memoryGrowth.service}` };
  }
}
