import type { ProtectResult } from './protect.command.js';

/** Each request exactly as sent: method, path, JSON body. */
export function formatProtect(result: ProtectResult): string {
  const lines = [result.dryRun ? 'Dry run: these requests would be sent (nothing was changed):' : `Applied branch protection to: ${result.applied.join(', ')}`];
  for (const request of result.requests) lines.push('', `${request.method} ${request.path}`, JSON.stringify(request.body, null, 2));
  return lines.join('\n');
}
