import type { ObjectiveResult, ScenarioResult, SmokeResult } from '../../smoke-result.js';

/** `PASSED`, `FAILED` or `INVALID` (the generator could not keep its schedule; never a pass). */
export function verdict(result: SmokeResult): 'PASSED' | 'FAILED' | 'INVALID' {
  if (result.passed) return 'PASSED';
  return result.valid ? 'FAILED' : 'INVALID';
}

export function formatMeasured(objective: ObjectiveResult): string {
  if (objective.measured === null) return 'not measured';
  return formatValue(objective.measured, objective.unit);
}

export function formatValue(value: number, unit: string): string {
  if (unit === 'ratio') return `${(value * 100).toFixed(2)}%`;
  if (unit === 'ms') return `${value < 10 ? value.toFixed(2) : value.toFixed(1)} ms`;
  if (unit === '%') return `${value.toFixed(1)}%`;
  return `${value} ${unit}`;
}

export function formatThreshold(objective: ObjectiveResult): string {
  return `< ${formatValue(objective.threshold, objective.unit)}`;
}

export function megabytes(bytes: number): string {
  return `${(bytes / 1_048_576).toFixed(1)} MiB`;
}

export function ms(value: number): string {
  return formatValue(value, 'ms');
}

/** What the recipients' sockets saw: counts and send-to-delivery latency (from the intended send time). */
export function deliveryLine(s: ScenarioResult): string | undefined {
  if (s.delivery === undefined && s.deliveryLatencyMs === undefined) return undefined;
  const parts: string[] = [];
  if (s.delivery !== undefined)
    parts.push(
      `${s.delivery.delivered} of ${s.delivery.expected} envelopes stored by 2xx sends arrived on the recipients' sockets ` +
        `(${s.delivery.reconnects} socket reconnects, ${s.delivery.tokenRefreshes} token refreshes)`,
    );
  const d = s.deliveryLatencyMs;
  if (d !== undefined) parts.push(`send-to-delivery p50 ${ms(d.p50)}, p95 ${ms(d.p95)}, p99 ${ms(d.p99)}, max ${ms(d.max)}`);
  return `Delivery: ${parts.join('; ')}.`;
}

/** What the disk probe saw beside the services' databases: sync times and stalls, the slowest with when they were. */
export function diskLine(s: ScenarioResult): string | undefined {
  const d = s.disk;
  if (d === undefined) return undefined;
  const worst = d.worst.filter((w) => w.ms > d.stallMs).map((w) => `${ms(w.ms)} at ${w.t} s`);
  return (
    `Disk: ${d.probes} probe syncs (4 KiB write and fdatasync every ${d.intervalMs} ms beside the services' databases): ` +
    `p50 ${ms(d.p50Ms)}, p99 ${ms(d.p99Ms)}, max ${ms(d.maxMs)}; ${d.stalls} slower than ${ms(d.stallMs)}` +
    (worst.length > 0 ? ` (${worst.join(', ')}). Every send waiting for a commit's sync waits through a stall.` : '.')
  );
}
