import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { repoRoot } from '../../src/lib/repo-root.js';
import type { SloFile } from '../../src/lib/load/slo.schema.js';

/**
 * The nightly SLO file with the generator limits loosened: tests share two
 * cores with the rest of the suite, where a 25 ms hiccup is no sign of a broken
 * generator (the limits themselves are tested in open-loop.failures.test.ts). The objectives stay the nightly ones unless overridden.
 */
export async function testSloFile(dir: string, change: (slo: SloFile) => SloFile = (s) => s): Promise<string> {
  const nightly = JSON.parse(await readFile(join(repoRoot(), 'slo', 'nightly.json'), 'utf8')) as SloFile;
  const loosened: SloFile = {
    ...nightly,
    $schema: undefined,
    generator: { maxDispatchLagP99Ms: 1000, maxDispatchLagMs: 5000, maxEventLoopDelayP99Ms: 1000, maxCpuPercent: 100 },
  };
  const file = join(dir, 'slo.json');
  await writeFile(file, JSON.stringify(change(loosened)));
  return file;
}
