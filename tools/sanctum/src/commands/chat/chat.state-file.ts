// The chat device's state on disk. It holds the device's private keys, so the
// file is created readable by its owner only and replaced atomically (a crash
// mid-write leaves the previous state, never half of one).
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseDeviceState } from '@sanctum/client';
import type { DeviceStateJson } from '@sanctum/client';

export function loadDeviceState(path: string): DeviceStateJson {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new Error(`No chat device at ${path}: run \`sanctum chat register <handle>\` first`);
  }
  return parseDeviceState(JSON.parse(text));
}

export function saveDeviceState(path: string, state: DeviceStateJson): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(state)}\n`, { mode: 0o600 });
  renameSync(temporary, path);
}
