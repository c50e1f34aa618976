// `sanctum chat` as functions that return data: register a device, send one
// message, read what is waiting. The interactive session is chat.session.ts.
import { existsSync } from 'node:fs';
import { SanctumDevice } from '@sanctum/client';
import type { ChatMessage, SafetyNumberResult, SanctumUrls, WebSocketConstructor } from '@sanctum/client';
import { loadDeviceState, saveDeviceState } from './chat.state-file.js';

export interface ChatOptions {
  urls: SanctumUrls;
  /** The device state file (private keys inside). */
  statePath: string;
  WebSocket?: WebSocketConstructor;
}

export interface RegisterResult {
  accountId: string;
  deviceId: string;
  handle: string | null;
  statePath: string;
}

/** Creates an account with a new device, publishes its keys and claims the handle. Refuses to overwrite a state file. */
export async function chatRegister(options: ChatOptions & { handle: string; deviceName?: string }): Promise<RegisterResult> {
  if (existsSync(options.statePath)) throw new Error(`${options.statePath} already holds a device; pass another --state file`);
  const device = await SanctumDevice.register({ ...deviceOptions(options), handle: options.handle, ...(options.deviceName === undefined ? {} : { deviceName: options.deviceName }) });
  saveDeviceState(options.statePath, device.toJSON());
  return { accountId: device.accountId, deviceId: device.deviceId, handle: device.handle, statePath: options.statePath };
}

/**
 * A new device for an existing account: `onCode` gets the code to approve on a signed-in device
 * (`sanctum chat approve <code>` there); resolves once approved and the device's keys are published.
 */
export async function chatLink(options: ChatOptions & { deviceName?: string; pollMs?: number; onCode: (code: string, expiresAt: number) => void }): Promise<RegisterResult> {
  if (existsSync(options.statePath)) throw new Error(`${options.statePath} already holds a device; pass another --state file`);
  const link = await SanctumDevice.link({
    ...deviceOptions(options),
    ...(options.deviceName === undefined ? {} : { deviceName: options.deviceName }),
    ...(options.pollMs === undefined ? {} : { pollMs: options.pollMs }),
  });
  options.onCode(link.code, link.expiresAt);
  const device = await link.device;
  saveDeviceState(options.statePath, device.toJSON());
  return { accountId: device.accountId, deviceId: device.deviceId, handle: device.handle, statePath: options.statePath };
}

/** On a signed-in device: approves the new device showing `code`. */
export async function chatApprove(options: ChatOptions & { code: string }): Promise<{ approved: string }> {
  return withDevice(options, async (device) => ({ approved: (await device.approveLink(options.code)).deviceName }));
}

export interface SendOutcome {
  to: string;
  toAccountId: string;
  messageId: string;
  seq: number;
  storedAt: number;
}

export async function chatSend(options: ChatOptions & { to: string; text: string }): Promise<SendOutcome> {
  return withDevice(options, async (device) => {
    const result = await device.sendText(options.to, options.text);
    return { to: options.to, toAccountId: result.toAccountId, messageId: result.messageId, seq: result.seq, storedAt: result.sentAt };
  });
}

export interface ReadResult {
  messages: ChatMessage[];
  undecryptable: number;
}

/** Fetches, decrypts and acknowledges everything waiting for this device. */
export async function chatRead(options: ChatOptions): Promise<ReadResult> {
  return withDevice(options, async (device) => {
    const all: ReadResult = { messages: [], undecryptable: 0 };
    for (;;) {
      const page = await device.receive();
      all.messages.push(...page.messages);
      all.undecryptable += page.undecryptable;
      if (page.messages.length + page.undecryptable === 0) return all;
    }
  });
}

/** The safety number to compare with `handle` (see SanctumDevice.safetyNumberWith). */
export async function chatSafetyNumber(options: ChatOptions & { handle: string }): Promise<SafetyNumberResult> {
  return withDevice(options, (device) => device.safetyNumberWith(options.handle));
}

/** Restores the device, runs `task`, and saves the state (sessions advanced) whatever happened. */
export async function withDevice<T>(options: ChatOptions, task: (device: SanctumDevice) => Promise<T>): Promise<T> {
  const device = await SanctumDevice.restore(loadDeviceState(options.statePath), deviceOptions(options));
  try {
    return await task(device);
  } finally {
    saveDeviceState(options.statePath, device.toJSON());
  }
}

function deviceOptions(options: ChatOptions): { urls: SanctumUrls; WebSocket?: WebSocketConstructor } {
  return { urls: options.urls, ...(options.WebSocket === undefined ? {} : { WebSocket: options.WebSocket }) };
}
