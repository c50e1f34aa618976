import Type from 'typebox';
import type { Static } from 'typebox';

/**
 * The objectives an SLO file may name; each passes when the measured value is
 * strictly below its threshold. `error_rate` is a ratio (0.02 = 2%), latencies
 * are milliseconds from the intended send time, resources are percent (CPU of
 * one core; memory growth of the settled start).
 */
export const OBJECTIVE_UNITS = {
  error_rate: 'ratio',
  latency_p50_ms: 'ms',
  latency_p95_ms: 'ms',
  latency_p99_ms: 'ms',
  delivery_latency_p95_ms: 'ms',
  delivery_latency_p99_ms: 'ms',
  memory_growth_percent: '%',
  cpu_avg_percent: '%',
} as const;
export type ObjectiveName = keyof typeof OBJECTIVE_UNITS;

const Threshold = Type.Number({ exclusiveMinimum: 0 });

const ScenarioObjectives = Type.Object(
  {
    error_rate: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1, description: 'errors / scheduled requests, below this ratio' })),
    latency_p50_ms: Type.Optional(Threshold),
    latency_p95_ms: Type.Optional(Threshold),
    latency_p99_ms: Type.Optional(Threshold),
    delivery_latency_p95_ms: Type.Optional(Threshold),
    delivery_latency_p99_ms: Type.Optional(Threshold),
    memory_growth_percent: Type.Optional(Threshold),
    cpu_avg_percent: Type.Optional(Threshold),
  },
  { additionalProperties: false, minProperties: 1 },
);

/** The SLO file the nightly suite is judged by (slo/nightly.json); see docs/smoke.md. */
export const SloFileSchema = Type.Object(
  {
    $schema: Type.Optional(Type.String()),
    version: Type.String({ minLength: 1, description: 'Bumped whenever a threshold or method changes; recorded with every run.' }),
    description: Type.Optional(Type.String()),
    scenarios: Type.Record(Type.String({ pattern: '^[a-z0-9][a-z0-9-]*$' }), ScenarioObjectives, {
      minProperties: 1,
      description: 'Objectives per scenario name; a scenario without an entry cannot be run.',
    }),
    memoryGrowth: Type.Object(
      {
        warmupFraction: Type.Number({ minimum: 0, maximum: 0.5, description: 'Leading share of the samples ignored (start-up, JIT, caches).' }),
        windowFraction: Type.Number({ exclusiveMinimum: 0, maximum: 0.5, description: 'Share of the samples in the start and end windows.' }),
        minWindowSamples: Type.Integer({ minimum: 1, description: 'Fewer one-second samples per window means the growth is not measured (a failure).' }),
      },
      { additionalProperties: false },
    ),
    generator: Type.Object(
      {
        maxDispatchLagP99Ms: Threshold,
        maxDispatchLagMs: Threshold,
        maxEventLoopDelayP99Ms: Threshold,
        maxCpuPercent: Threshold,
      },
      { additionalProperties: false, description: 'Past any of these the run is invalid, never passed.' },
    ),
  },
  { additionalProperties: false },
);
export type SloFile = Static<typeof SloFileSchema>;
export type ScenarioSlo = Static<typeof ScenarioObjectives>;

/**
 * The JSON Schema committed as slo/slo.schema.json (editors validate the SLO
 * file with it); a test keeps the file equal to this.
 */
export function sloJsonSchema(): Record<string, unknown> {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 'Sanctum SLO file',
    ...(JSON.parse(JSON.stringify(SloFileSchema)) as Record<string, unknown>),
  };
}
