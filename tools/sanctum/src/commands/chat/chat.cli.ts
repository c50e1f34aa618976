import { join } from 'node:path';
import type { Command } from 'commander';
import { Option } from 'commander';
import WebSocket from 'ws';
import type { SanctumUrls } from '@sanctum/client';
import type { CliContext } from '../../lib/cli-context.js';
import { printResult } from '../../lib/cli-output.js';
import { cliPath } from '../../lib/cli-program.js';
import { DEFAULT_PORTS } from '../../lib/platform.js';
import type { ChatOptions } from './chat.command.js';
import { chatApprove, chatLink, chatRead, chatRegister, chatSafetyNumber, chatSend } from './chat.command.js';
import { formatRead, formatRegister, formatSafetyNumber, formatSend } from './chat.format.js';
import { runChatSession } from './chat.session.js';

interface ChatFlags {
  state: string;
  authUrl: string;
  directoryUrl: string;
  messagingUrl: string;
  json?: boolean;
}

/** `sanctum chat`: a terminal chat client on the SDK — end-to-end encrypted, one device per state file. */
export function registerChat(program: Command, context: CliContext): void {
  const local = (port: number): string => `http://127.0.0.1:${port}`;
  const chat = program
    .command('chat')
    .description('End-to-end-encrypted chat from the terminal (register, send, read, or an interactive session)')
    .addOption(new Option('--state <file>', 'device state file (holds private keys)').default(context.env.SANCTUM_CHAT_STATE ?? join(context.env.HOME ?? '.', '.sanctum', 'chat-device.json')))
    .addOption(new Option('--auth-url <url>', 'Auth service').default(context.env.SANCTUM_AUTH_URL ?? local(DEFAULT_PORTS.auth)))
    .addOption(new Option('--directory-url <url>', 'Directory service').default(context.env.SANCTUM_DIRECTORY_URL ?? local(DEFAULT_PORTS.directory)))
    .addOption(new Option('--messaging-url <url>', 'Messaging service').default(context.env.SANCTUM_MESSAGING_URL ?? local(DEFAULT_PORTS.messaging)))
    .option('--json', 'print results as JSON');
  const options = (): ChatOptions & { json: boolean } => {
    const flags = chat.opts<ChatFlags>();
    const urls: SanctumUrls = { auth: flags.authUrl, directory: flags.directoryUrl, messaging: flags.messagingUrl };
    return { urls, statePath: cliPath(context, flags.state), WebSocket, json: flags.json === true };
  };

  chat
    .command('register <handle>')
    .description('create an account with this device and claim <handle>')
    .option('--device-name <name>', 'name shown in the device list')
    .action(async (handle: string, flags: { deviceName?: string }) => {
      const { json, ...rest } = options();
      const result = await chatRegister({ ...rest, handle, ...(flags.deviceName === undefined ? {} : { deviceName: flags.deviceName }) });
      printResult(context, result, json, formatRegister);
    });

  chat
    .command('link')
    .description('add this machine as a new device of an existing account: shows a code to approve there')
    .option('--device-name <name>', 'name shown in the device list')
    .action(async (flags: { deviceName?: string }) => {
      const { json, ...rest } = options();
      const onCode = (code: string, expiresAt: number): void => {
        context.stdout(`On a signed-in device run: sanctum chat approve ${code}   (valid until ${new Date(expiresAt).toISOString()})`);
      };
      const result = await chatLink({ ...rest, onCode, ...(flags.deviceName === undefined ? {} : { deviceName: flags.deviceName }) });
      printResult(context, result, json, formatRegister);
    });

  chat
    .command('approve <code>')
    .description('approve a new device of this account by the code it shows')
    .action(async (code: string) => {
      const { json, ...rest } = options();
      printResult(context, await chatApprove({ ...rest, code }), json, (r) => `Approved the device "${r.approved}"`);
    });

  chat
    .command('send <handle> <text...>')
    .description('send one message to <handle>')
    .action(async (handle: string, words: string[]) => {
      const { json, ...rest } = options();
      printResult(context, await chatSend({ ...rest, to: handle, text: words.join(' ') }), json, formatSend);
    });

  chat
    .command('read')
    .description('print (and acknowledge) the messages waiting for this device')
    .action(async () => {
      const { json, ...rest } = options();
      printResult(context, await chatRead(rest), json, formatRead);
    });

  chat
    .command('safety <handle>')
    .description('the safety number to compare with <handle>, to rule out a man in the middle')
    .action(async (handle: string) => {
      const { json, ...rest } = options();
      printResult(context, await chatSafetyNumber({ ...rest, handle }), json, formatSafetyNumber);
    });

  chat
    .command('open [handle]')
    .description('interactive session: live messages, and each line you type is sent (/help for commands)')
    .action(async (handle: string | undefined) => {
      const { json: _json, ...rest } = options();
      const summary = await runChatSession(
        { ...rest, ...(handle === undefined ? {} : { peer: handle }) },
        { input: context.stdin ?? process.stdin, print: (line) => { context.stdout(line); } },
      );
      context.stdout(`Bye (${summary.sent} sent, ${summary.received} received)`);
    });
}
