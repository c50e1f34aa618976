import { runService } from '@sanctum/kernel';
import { buildApp } from './app.js';
import { loadDirectoryConfig } from './config.js';

// The only place the Directory service reads the environment, listens and handles signals.
const config = loadDirectoryConfig(process.env);
const app = await buildApp({ config });
await runService(app, { host: config.HOST, port: config.PORT, shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS });
