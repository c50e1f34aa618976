import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return entry === 'node_modules' || entry === 'dist' ? [] : sourceFiles(path);
    return path.endsWith('.ts') && !path.endsWith('.d.ts') ? [path] : [];
  });
}

/** Every code the sources can answer with: AppError constructions, error bodies and mapped framework errors. */
function codesInSources(): Set<string> {
  const pattern = /(?:new AppError\(|errorBody\(|code: )\s*'([A-Z][A-Z0-9]*_[A-Z0-9_]+)'/g;
  const codes = new Set<string>();
  for (const top of ['packages', 'services', 'tools']) {
    for (const workspace of readdirSync(join(root, top))) {
      const src = join(root, top, workspace, 'src');
      try {
        statSync(src);
      } catch {
        continue;
      }
      for (const file of sourceFiles(src)) {
        // Examples in comments are not answers the code gives.
        const code = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
        for (const match of code.matchAll(pattern)) codes.add(match[1]!);
      }
    }
  }
  return codes;
}

function codesInDoc(): Map<string, number> {
  const doc = readFileSync(join(root, 'docs', 'error-codes.md'), 'utf8');
  const codes = new Map<string, number>();
  for (const match of doc.matchAll(/^\| `([A-Z0-9_]+)` \| (\d{3}) \|/gm)) codes.set(match[1]!, Number(match[2]));
  return codes;
}

describe('docs/error-codes.md', () => {
  it('lists every error code the sources use', () => {
    const documented = codesInDoc();
    const missing = [...codesInSources()].filter((code) => !documented.has(code));
    expect(missing).toEqual([]);
  });

  it('lists no code that the sources never use', () => {
    const used = codesInSources();
    const stale = [...codesInDoc().keys()].filter((code) => !used.has(code));
    expect(stale).toEqual([]);
  });

  it('gives every code a 4xx or 5xx status and a prefix', () => {
    for (const [code, status] of codesInDoc()) {
      expect(status, code).toBeGreaterThanOrEqual(400);
      expect(code).toMatch(/^(REQ|SRV|AUTH|DIR|MSG|GATE)_/);
    }
  });
});
