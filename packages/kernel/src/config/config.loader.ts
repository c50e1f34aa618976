import type { Static, TObject } from 'typebox';
import Value from 'typebox/value';

/** Thrown once at start with every invalid variable listed, so an operator fixes them all in one go. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/**
 * Parses environment variables against a TypeBox object schema: applies
 * defaults, converts strings to numbers and booleans, validates, and returns a
 * frozen typed object. Unknown variables are ignored (the environment holds
 * far more than ours); empty strings count as unset.
 *
 * @example
 * const config = loadConfig(AuthConfigSchema, process.env);
 */
export function loadConfig<S extends TObject>(schema: S, env: Record<string, string | undefined>): Readonly<Static<S>> {
  const picked: Record<string, unknown> = {};
  for (const key of Object.keys(schema.properties)) {
    const value = env[key];
    if (value !== undefined && value !== '') picked[key] = value;
  }
  const converted = Value.Convert(schema, Value.Default(schema, picked));
  const errors = Value.Errors(schema, converted);
  if (errors.length > 0) {
    // A union reports one error per branch; keep the first message per variable.
    const byVariable = new Map<string, string>();
    for (const error of errors) {
      const name = variableName(error.instancePath, error.params);
      if (!byVariable.has(name)) {
        const given = picked[name];
        const shown = typeof given === 'string' ? ` (got "${given}")` : '';
        byVariable.set(name, `${name}: ${error.message}${shown}`);
      }
    }
    throw new ConfigError([...byVariable.values()]);
  }
  return Object.freeze(converted as Static<S>);
}

function variableName(instancePath: string, params: unknown): string {
  if (instancePath !== '') return instancePath.slice(1);
  const missing = (params as { requiredProperties?: string[] }).requiredProperties;
  return missing === undefined ? '(root)' : missing.join(', ');
}
