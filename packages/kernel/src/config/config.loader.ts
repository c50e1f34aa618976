import type { Static, TObject, TSchema } from 'typebox';
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
  const converted = Value.Convert(schema, Value.Default(schema, picked)) as Record<string, unknown>;
  // Check each variable on its own: whole-object validation may stop early,
  // and an operator should see every problem at once.
  const problems: string[] = [];
  for (const [name, property] of Object.entries(schema.properties)) {
    const value = converted[name];
    if (value === undefined) {
      if (schema.required.includes(name)) problems.push(`${name}: is required`);
      continue;
    }
    const [first] = Value.Errors(property, value);
    if (first !== undefined) {
      const given = picked[name];
      problems.push(`${name}: ${describeProblem(property, first.message)}${typeof given === 'string' ? ` (got "${given}")` : ''}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(converted as Static<S>);
}


/** An enum fails with a generic message; say which values are allowed instead. */
function describeProblem(property: TSchema, message: string): string {
  const options = (property as { enum?: unknown[] }).enum;
  return options === undefined ? message : `must be one of ${options.join(', ')}`;
}
