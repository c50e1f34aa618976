import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

const SCRIPT = fileURLToPath(new URL('../../bench/reference-server.mjs', import.meta.url));

export interface ReferenceServer {
  readonly url: string;
  readonly port: number;
  /** Wall-clock ms the server counts its stall cycles from. */
  readonly epochMs: number;
  readonly pid: number;
  stop(): Promise<void>;
}

/** Starts bench/reference-server.mjs in its own process (so its timing is not the test process's). */
export async function startReferenceServer(mode: 'fast' | 'stall' | 'fail' | 'hang', args: string[] = []): Promise<ReferenceServer> {
  const child = spawn(process.execPath, [SCRIPT, mode, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => { resolve(); }));
  const first = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.once('line', resolve);
    child.once('exit', (code) => { reject(new Error(`reference server exited (${code})`)); });
  });
  const info = JSON.parse(first) as { port: number; epochMs: number };
  return {
    url: `http://127.0.0.1:${info.port}`,
    port: info.port,
    epochMs: info.epochMs,
    pid: child.pid!,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
