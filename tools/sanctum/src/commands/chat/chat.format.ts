import type { ChatMessage, SafetyNumberResult } from '@sanctum/client';
import type { ReadResult, RegisterResult, SendOutcome } from './chat.command.js';

/** Who a message is from: the confirmed handle, else the start of the account id. */
function sender(message: ChatMessage): string {
  if (message.own) return 'me (other device)';
  return message.fromHandle ?? `account ${message.fromAccountId.slice(0, 8)}`;
}

export function formatMessage(message: ChatMessage): string {
  const time = new Date(message.storedAt).toISOString().slice(11, 19);
  return `${time} ${sender(message)}: ${message.text}`;
}

export function formatRegister(result: RegisterResult): string {
  return `Registered ${result.handle ?? '(no handle)'}: account ${result.accountId}, device ${result.deviceId}\nState (private keys) in ${result.statePath}`;
}

export function formatSend(result: SendOutcome): string {
  return `Sent to ${result.to} (#${result.seq}, message ${result.messageId})`;
}

export function formatRead(result: ReadResult): string {
  const lines = result.messages.map(formatMessage);
  if (result.undecryptable > 0) lines.push(`(${result.undecryptable} message(s) could not be decrypted)`);
  return lines.length === 0 ? 'No new messages' : lines.join('\n');
}

export function formatSafetyNumber(result: SafetyNumberResult): string {
  const count = (n: number): string => `${n} device${n === 1 ? '' : 's'}`;
  return [
    `Safety number with ${result.handle} (${count(result.theirDevices)} of theirs, ${count(result.myDevices)} of yours):`,
    `  ${result.safetyNumber}`,
    `Compare it with ${result.handle} in person or over another channel: the same digits on both sides mean no one sits in between.`,
    'It changes whenever either of you adds or removes a device.',
  ].join('\n');
}
