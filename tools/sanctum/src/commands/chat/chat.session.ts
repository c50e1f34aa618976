// The interactive chat: incoming messages are printed as they arrive over the
// WebSocket, and each input line is a command or a message. Lines are handled
// one at a time, so messages leave in the order they were typed.
import type { Readable } from 'node:stream';
import { createInterface } from 'node:readline';
import type { SanctumDevice } from '@sanctum/client';
import type { ChatOptions } from './chat.command.js';
import { withDevice } from './chat.command.js';
import { formatMessage, formatSafetyNumber } from './chat.format.js';
import { saveDeviceState } from './chat.state-file.js';

export interface ChatSessionIo {
  readonly input: Readable;
  print(line: string): void;
}

export interface ChatSessionSummary {
  sent: number;
  received: number;
}

export const CHAT_HELP = [
  'Type a message and press Enter to send it to the current peer.',
  '  /to <handle>       talk to <handle> from now on',
  '  @<handle> <text>   send one message to <handle>',
  '  /safety [handle]   the safety number to compare with <handle> (default: the current peer)',
  '  /help              this text',
  '  /quit              leave (Ctrl-D too)',
].join('\n');

/** Runs until the input ends or `/quit`; the device state is saved after every message in or out. */
export async function runChatSession(options: ChatOptions & { peer?: string }, io: ChatSessionIo): Promise<ChatSessionSummary> {
  return withDevice(options, async (device) => {
    const summary: ChatSessionSummary = { sent: 0, received: 0 };
    const save = (): void => {
      saveDeviceState(options.statePath, device.toJSON());
    };
    let backlogDone: () => void = () => undefined;
    const backlog = new Promise<void>((resolve) => (backlogDone = resolve));
    const stop = device.listen({
      onReady: () => {
        backlogDone();
      },
      onMessage: (message) => {
        summary.received++;
        io.print(formatMessage(message));
        save();
      },
      onUndecryptable: (envelope) => {
        io.print(`(a message from account ${envelope.senderAccountId.slice(0, 8)} could not be decrypted)`);
      },
      onError: (error) => {
        io.print(`(connection: ${error instanceof Error ? error.message : String(error)})`);
      },
    });
    io.print(`Signed in as ${device.handle ?? device.accountId}. /help for commands.`);
    // What arrived while offline is shown before the first typed line is handled (or after 10 s without a connection).
    await Promise.race([backlog, new Promise((resolve) => setTimeout(resolve, 10_000).unref())]);
    let peer = options.peer;
    try {
      for await (const line of createInterface({ input: io.input, crlfDelay: Infinity })) {
        const command = parseLine(line, peer);
        if (command.kind === 'quit') break;
        if (command.kind === 'help') io.print(CHAT_HELP);
        if (command.kind === 'peer') {
          peer = command.handle;
          io.print(`Talking to ${peer}`);
        }
        if (command.kind === 'no-peer') io.print('No peer yet: /to <handle> first, or @<handle> <text>');
        if (command.kind === 'safety') await printSafetyNumber(device, command.with, io);
        if (command.kind === 'send' && (await sendLine(device, command.to, command.text, io))) {
          summary.sent++;
          save();
        }
      }
    } finally {
      await stop();
    }
    return summary;
  });
}

type LineCommand =
  | { kind: 'quit' | 'help' | 'empty' | 'no-peer' }
  | { kind: 'peer'; handle: string }
  | { kind: 'safety'; with: string }
  | { kind: 'send'; to: string; text: string };

/** What one input line asks for. */
export function parseLine(line: string, peer: string | undefined): LineCommand {
  const text = line.trim();
  if (text === '') return { kind: 'empty' };
  if (text === '/quit' || text === '/exit') return { kind: 'quit' };
  if (text === '/help') return { kind: 'help' };
  const safety = /^\/safety(?:\s+(\S+))?$/.exec(text);
  if (safety !== null) {
    const other = safety[1] ?? peer;
    return other === undefined ? { kind: 'no-peer' } : { kind: 'safety', with: other };
  }
  const to = /^\/to\s+(\S+)$/.exec(text);
  if (to?.[1] !== undefined) return { kind: 'peer', handle: to[1] };
  const direct = /^@(\S+)\s+(.+)$/.exec(text);
  if (direct?.[1] !== undefined && direct[2] !== undefined) return { kind: 'send', to: direct[1], text: direct[2] };
  return peer === undefined ? { kind: 'no-peer' } : { kind: 'send', to: peer, text };
}

async function printSafetyNumber(device: SanctumDevice, handle: string, io: ChatSessionIo): Promise<void> {
  try {
    io.print(formatSafetyNumber(await device.safetyNumberWith(handle)));
  } catch (error) {
    io.print(`(no safety number: ${error instanceof Error ? error.message : String(error)})`);
  }
}

async function sendLine(device: SanctumDevice, to: string, text: string, io: ChatSessionIo): Promise<boolean> {
  try {
    await device.sendText(to, text);
    return true;
  } catch (error) {
    io.print(`(not sent: ${error instanceof Error ? error.message : String(error)})`);
    return false;
  }
}
