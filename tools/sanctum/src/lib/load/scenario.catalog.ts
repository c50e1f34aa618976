/** One scenario as it will run. */
export interface ScenarioPlan {
  readonly name: string;
  readonly targetRps: number;
  readonly durationS: number;
  readonly payloadBytes: number;
}

/** The deployment workflow's nightly suite: two 2-minute load tests and a 15-minute soak at half the rate. */
export const DEFAULT_SCENARIOS: readonly ScenarioPlan[] = [
  { name: 'load-1k', targetRps: 1000, durationS: 120, payloadBytes: 1024 },
  { name: 'load-64k', targetRps: 1000, durationS: 120, payloadBytes: 65_536 },
  { name: 'soak', targetRps: 500, durationS: 900, payloadBytes: 1024 },
];

export interface ScenarioParameters {
  /** Which scenarios, in this order; default: all three. */
  names?: readonly string[];
  /** Rate of the load tests; the soak runs at half of it (500 for the default 1000), as in the workflow. */
  targetRps?: number;
  /** Soak length in minutes. */
  soakDurationMin?: number;
  /** Every scenario's length in seconds (short CI runs); `soakDurationMin` still wins for the soak. */
  durationS?: number;
}

/** Turns the CLI parameters into the list of scenarios to run; unknown names are an error. */
export function planScenarios(parameters: ScenarioParameters): ScenarioPlan[] {
  const names = parameters.names ?? DEFAULT_SCENARIOS.map((s) => s.name);
  const unknown = names.filter((name) => !DEFAULT_SCENARIOS.some((s) => s.name === name));
  if (unknown.length > 0)
    throw new Error(`unknown scenario ${unknown.join(', ')}; known: ${DEFAULT_SCENARIOS.map((s) => s.name).join(', ')}`);
  if (names.length === 0) throw new Error('no scenario to run');
  for (const [label, value] of [
    ['target rate', parameters.targetRps],
    ['soak duration', parameters.soakDurationMin],
    ['duration', parameters.durationS],
  ] as const) {
    if (value !== undefined && !(Number.isFinite(value) && value > 0)) throw new Error(`${label} must be a positive number (got ${value})`);
  }
  return names.map((name) => {
    const base = DEFAULT_SCENARIOS.find((s) => s.name === name);
    if (base === undefined) throw new Error(`unknown scenario ${name}`);
    const soak = name === 'soak';
    const rate = parameters.targetRps === undefined ? base.targetRps : soak ? parameters.targetRps / 2 : parameters.targetRps;
    let durationS = parameters.durationS ?? base.durationS;
    if (soak && parameters.soakDurationMin !== undefined) durationS = parameters.soakDurationMin * 60;
    return { ...base, targetRps: rate, durationS };
  });
}
