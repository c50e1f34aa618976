import { repoRoot } from '../../lib/repo-root.js';
import { startPlatform } from '../../lib/platform.js';
import type { Platform, ServiceName } from '../../lib/platform.js';

export interface StartOptions {
  dataDir: string;
  host?: string;
  ports?: Partial<Record<ServiceName, number>>;
  logDir?: string;
  onLine?: (service: ServiceName, line: string) => void;
  baseEnv?: Record<string, string | undefined>;
  rootDir?: string;
}

export interface StartResult {
  platform: Platform;
  startedInMs: number;
  services: { name: ServiceName; url: string; pid: number | undefined }[];
}

/** `sanctum start`: runs the three services on the embedded default until stopped. */
export async function startCommand(options: StartOptions): Promise<StartResult> {
  const began = performance.now();
  const platform = await startPlatform({ ...options, rootDir: options.rootDir ?? repoRoot() });
  return {
    platform,
    startedInMs: Math.round(performance.now() - began),
    services: platform.services.map((s) => ({ name: s.name, url: s.url, pid: s.process.pid })),
  };
}
