// `npm run bench`: builds, then runs every workspace's `bench` script in turn
// (one at a time: benchmarks on a 2-core machine must not compete with each
// other). Each writes its numbers to stdout; docs/benchmarks.md records them.
//   npm run bench                 # all
//   npm run bench -- auth smoke   # only workspaces whose name contains one of these words
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const filters = process.argv.slice(2);
const root = JSON.parse(readFileSync('package.json', 'utf8'));
const run = (args) => spawnSync('npm', args, { stdio: 'inherit' }).status ?? 1;

if (run(['run', 'build']) !== 0) process.exit(1);
let failed = 0;
for (const workspace of root.workspaces) {
  const manifest = JSON.parse(readFileSync(`${workspace}/package.json`, 'utf8'));
  if (manifest.scripts?.bench === undefined) continue;
  if (filters.length > 0 && !filters.some((f) => workspace.includes(f))) continue;
  console.log(`\n== bench: ${manifest.name}`);
  if (run(['run', 'bench', '-w', manifest.name]) !== 0) failed += 1;
}
process.exit(failed === 0 ? 0 : 1);
