import { runService } from '@sanctum/kernel';
import { buildApp } from './app.js';
import { loadMessagingConfig } from './config.js';

// The only place the Messaging service reads the environment, listens and handles signals.
const config = loadMessagingConfig(process.env);
const app = await buildApp({ config });
await runService(app, { host: config.HOST, port: config.PORT, shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS });
