import { fileURLToPath } from 'node:url';

/**
 * The checkout this CLI belongs to. Both `src/lib/` (tests) and `dist/lib/`
 * (the built CLI) sit four levels below the repository root.
 */
export function repoRoot(): string {
  return fileURLToPath(new URL('../../../../', import.meta.url));
}
