import type { ScenarioResult } from '../../smoke-result.js';

/** One chart: a shared x axis (seconds since the scenario started) and its series, ready for uPlot. */
export interface ChartSpec {
  readonly id: string;
  readonly title: string;
  readonly unit: string;
  readonly x: number[];
  readonly series: { label: string; values: (number | null)[] }[];
}

/** The four charts of a scenario: latency over time, throughput, CPU and memory. */
export function scenarioCharts(scenario: ScenarioResult, index: number): ChartSpec[] {
  const timeline = scenario.timeline ?? [];
  const x = timeline.map((p) => p.t);
  const resources = scenario.resourceSamples ?? [];
  const seconds = [...new Set(resources.flatMap((r) => r.samples.map((s) => Math.round(s.t))))].sort((a, b) => a - b);
  const at = (service: (typeof resources)[number], pick: (s: (typeof service.samples)[number]) => number): (number | null)[] => {
    const bySecond = new Map(service.samples.map((s) => [Math.round(s.t), pick(s)]));
    return seconds.map((t) => bySecond.get(t) ?? null);
  };
  const generatorCpu = new Map(timeline.map((p) => [p.t + 1, p.generatorCpuPercent]));
  return [
    {
      id: `latency-${index}`,
      title: 'Latency by intended send second (send answer; delivery when measured)',
      unit: 'ms',
      x,
      series: [
        { label: 'p50', values: timeline.map((p) => p.p50Ms) },
        { label: 'p95', values: timeline.map((p) => p.p95Ms) },
        { label: 'p99', values: timeline.map((p) => p.p99Ms) },
        { label: 'max', values: timeline.map((p) => p.maxMs) },
        // Send-to-delivery over the recipients' sockets, when the target observes it.
        ...(timeline.some((p) => p.deliveryP95Ms !== undefined)
          ? [
              { label: 'delivery p95', values: timeline.map((p) => p.deliveryP95Ms ?? null) },
              { label: 'delivery p99', values: timeline.map((p) => p.deliveryP99Ms ?? null) },
            ]
          : []),
        // The disk probe's slowest sync of each second, when the disk was probed: a stall lines up with a latency spike.
        ...(timeline.some((p) => p.diskSyncMaxMs !== undefined) ? [{ label: 'slowest disk sync', values: timeline.map((p) => p.diskSyncMaxMs ?? null) }] : []),
      ],
    },
    {
      id: `throughput-${index}`,
      title: 'Throughput',
      unit: 'req/s',
      x,
      series: [
        { label: 'scheduled', values: timeline.map((p) => p.scheduled) },
        { label: 'answered', values: timeline.map((p) => p.completed) },
        { label: 'errors', values: timeline.map((p) => p.errors) },
      ],
    },
    {
      id: `cpu-${index}`,
      title: 'CPU (percent of one core)',
      unit: '%',
      x: seconds,
      series: [
        ...resources.map((r) => ({ label: r.service, values: at(r, (s) => s.cpuPercent) })),
        { label: 'generator', values: seconds.map((t) => generatorCpu.get(t) ?? null) },
      ],
    },
    {
      id: `memory-${index}`,
      title: 'Resident memory',
      unit: 'MiB',
      x: seconds,
      series: resources.map((r) => ({ label: r.service, values: at(r, (s) => Math.round((s.rssBytes / 1_048_576) * 10) / 10) })),
    },
  ];
}
