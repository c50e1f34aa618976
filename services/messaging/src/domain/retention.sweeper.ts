import { PeriodicTask } from '@sanctum/kernel';
import type { FastifyBaseLogger } from 'fastify';
import type { ExpireStep } from '../store/queue.store.js';
import type { Writer } from '../writer/writer.js';

/** Rows deleted per transaction, so a large backlog never holds the write lock for long. */
const SWEEP_CHUNK = 1000;

/**
 * Deletes envelopes nobody acknowledged within the retention period, and the
 * idempotency records of messages as old (a retry that late is a new message).
 */
export class RetentionSweeper {
  private readonly task: PeriodicTask;

  constructor(
    private readonly options: {
      writer: Writer;
      retentionMs: number;
      intervalMs: number;
      clock: () => number;
      logger?: Pick<FastifyBaseLogger, 'warn' | 'info'>;
    },
  ) {
    this.task = new PeriodicTask('retention sweep', options.intervalMs, () => this.sweepOnce(), options.logger);
  }

  start(): void {
    this.task.start();
  }

  stop(): Promise<void> {
    return this.task.stop();
  }

  /** One full pass; returns how many envelopes and messages were deleted. */
  async sweepOnce(): Promise<{ envelopes: number; messages: number }> {
    const cutoff = this.options.clock() - this.options.retentionMs;
    let envelopes = 0;
    let afterDeviceId: string | undefined = '';
    while (afterDeviceId !== undefined) {
      const step: ExpireStep = await this.options.writer.run('expireEnvelopes', { cutoff, limit: SWEEP_CHUNK, afterDeviceId });
      envelopes += step.deleted;
      afterDeviceId = step.resumeAfter;
    }
    let messages = 0;
    for (;;) {
      const deleted = await this.options.writer.run('deleteMessages', { cutoff, limit: SWEEP_CHUNK });
      messages += deleted;
      if (deleted < SWEEP_CHUNK) break;
    }
    if (envelopes + messages > 0) this.options.logger?.info({ envelopes, messages }, 'retention sweep deleted expired rows');
    return { envelopes, messages };
  }
}
