// The crypto code must run unchanged in browsers: no Node built-ins, no Buffer,
// no process; randomness only through globalThis.crypto (via @noble).
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const dir = join(import.meta.dirname, '../../src/crypto');

describe('client crypto sources', () => {
  it('import only @noble and @scure packages and SDK modules, and use no Node globals', () => {
    const files = readdirSync(dir).filter((file) => file.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) {
      const source = readFileSync(join(dir, file), 'utf8');
      const imports = [...source.matchAll(/from '([^']+)'/g)].map((match) => match[1]!);
      for (const specifier of imports) expect(specifier, `${file} imports ${specifier}`).toMatch(/^(\.\.?\/|@noble\/|@scure\/)/);
      expect(source, file).not.toMatch(/\b(Buffer|process|require)\b[.(]/);
    }
  });
});
