import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SMOKE_RESULTS_FILE } from '../../smoke-result.js';
import type { SmokeResult } from '../../smoke-result.js';
import { htmlReport } from './html.report.js';
import { markdownSummary } from './markdown.report.js';

export interface ArtifactFiles {
  readonly results: string;
  readonly summary: string;
  readonly report: string;
  /** One HdrHistogram interval log per scenario that ran. */
  readonly histograms: string[];
}

/** Writes results.json, summary.md, report.html and histograms/<scenario>.hlog into the output folder. */
export async function writeArtifacts(outDir: string, result: SmokeResult, intervalLogs: ReadonlyMap<string, string>): Promise<ArtifactFiles> {
  await mkdir(outDir, { recursive: true });
  const files: ArtifactFiles = {
    results: join(outDir, SMOKE_RESULTS_FILE),
    summary: join(outDir, 'summary.md'),
    report: join(outDir, 'report.html'),
    histograms: [...intervalLogs.keys()].map((name) => join(outDir, 'histograms', `${name}.hlog`)),
  };
  await writeFile(files.results, `${JSON.stringify(result, null, 2)}\n`);
  await writeFile(files.summary, markdownSummary(result));
  await writeFile(files.report, await htmlReport(result));
  if (intervalLogs.size > 0) await mkdir(join(outDir, 'histograms'), { recursive: true });
  for (const [name, log] of intervalLogs) await writeFile(join(outDir, 'histograms', `${name}.hlog`), log);
  return files;
}
