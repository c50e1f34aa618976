import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { TEST_POSTGRES_URL_VARIABLE, TEST_RUN_ID_VARIABLE, dropSchemas } from '../packages/kernel/src/testing/index.js';

/**
 * Runs once around the whole test run.
 *
 * Before: some tests start the services as real processes (the launcher,
 * crash safety, the smoke suite), which run the compiled code, so build once;
 * `tsc -b` is incremental and costs seconds when nothing changed. Also name
 * this run, so the PostgreSQL schemas its tests create can be dropped together
 * at the end (see testEngines).
 */
export default function setup(): () => Promise<void> {
  const root = fileURLToPath(new URL('..', import.meta.url));
  execFileSync(process.execPath, [fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url)), '-b', 'tsconfig.build.json'], {
    cwd: root,
    stdio: 'inherit',
  });
  const runId = `r${randomBytes(4).toString('hex')}`;
  // Workers start after this and inherit the environment.
  process.env[TEST_RUN_ID_VARIABLE] = runId;
  return async () => {
    const url = process.env[TEST_POSTGRES_URL_VARIABLE];
    if (url !== undefined && url !== '') await dropSchemas(url, `t_${runId}`, true);
  };
}
