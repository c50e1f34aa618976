import { runService } from '@sanctum/kernel';
import { buildApp } from './app.js';
import { loadAuthConfig } from './config.js';

// The only place the Auth service reads the environment, listens and handles signals.
const config = loadAuthConfig(process.env);
const app = await buildApp({ config });
await runService(app, { host: config.HOST, port: config.PORT, shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS });
