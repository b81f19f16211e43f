/**
 * Local mode's results topic. Each result message goes three ways:
 * - a JSON line in `notifications.jsonl` holding exactly what SNS would carry;
 * - a readable line on the console;
 * - an HTTP POST of that same JSON to each webhook, in the background: retried with backoff, a
 *   failure logged and never fatal, one slow webhook never holding up another or the watch.
 * The file write is the delivery: if it fails, publish fails and the workflow retries it (the
 * eventId stays the same, so a reader can drop a duplicate).
 */
import { appendFile } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { request } from 'undici';
import { type SnsAttribute, snsAttributes } from '../../functions/adapters/sns-result-publisher';
import type { Log, PublishedMessage, ResultPublisher } from '../../functions/core/ports';

/** A line of notifications.jsonl: the SNS Publish request as the topic would have received it. */
export interface NotificationLine {
  publishedAt: string;
  Subject: string;
  Message: string;
  MessageAttributes: Record<string, SnsAttribute>;
}

export interface LocalPublisherOptions {
  file: string;
  webhooks: readonly string[];
  log: Log;
  /** Console output; stdout by default. */
  print?: (line: string) => void;
  webhookAttempts?: number;
  webhookTimeoutMs?: number;
  webhookBackoffMs?: number;
}

export class LocalPublisher implements ResultPublisher {
  readonly #options: LocalPublisherOptions;
  readonly #deliveries = new Set<Promise<void>>();

  constructor(options: LocalPublisherOptions) {
    this.#options = options;
  }

  async publish(message: PublishedMessage): Promise<void> {
    const line: NotificationLine = {
      publishedAt: new Date().toISOString(),
      Subject: message.subject,
      Message: message.body,
      MessageAttributes: snsAttributes(message.attributes),
    };
    const json = JSON.stringify(line);
    await appendFile(this.#options.file, `${json}\n`, 'utf8');
    (this.#options.print ?? ((text) => process.stdout.write(`${text}\n`)))(consoleLine(message));
    for (const url of this.#options.webhooks) {
      const delivery = this.#deliver(url, json).finally(() => this.#deliveries.delete(delivery));
      this.#deliveries.add(delivery);
    }
  }

  /** Waits for webhook deliveries under way, at most `timeoutMs` (shutdown). */
  async drain(timeoutMs: number): Promise<void> {
    await Promise.race([Promise.allSettled([...this.#deliveries]), delay(timeoutMs)]);
  }

  async #deliver(url: string, json: string): Promise<void> {
    const attempts = this.#options.webhookAttempts ?? 4;
    const backoffMs = this.#options.webhookBackoffMs ?? 1000;
    for (let attempt = 1; attempt <= attempts; attempt += 1) {
      try {
        const response = await request(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': 'compare-watch-local' },
          body: json,
          signal: AbortSignal.timeout(this.#options.webhookTimeoutMs ?? 5000),
        });
        await response.body.dump();
        if (response.statusCode < 300) return;
        if (response.statusCode < 500 && response.statusCode !== 429) {
          this.#options.log.warn('webhook refused the result; not retrying', {
            url,
            status: response.statusCode,
          });
          return;
        }
        this.#options.log.warn('webhook failed', { url, status: response.statusCode, attempt });
      } catch (error) {
        this.#options.log.warn('webhook unreachable', {
          url,
          attempt,
          error: error instanceof Error ? error.message : String(error),
        });
      }
      if (attempt < attempts) await delay(backoffMs * 2 ** (attempt - 1));
    }
    this.#options.log.error('webhook gave up', { url, attempts });
  }
}

/** `✔ cd-demodiffers #400002 inconsistent: 1,302 differences`, as a person reads it. */
export function consoleLine(message: PublishedMessage): string {
  const outcome = message.attributes.outcome?.value ?? 'unknown';
  const mark = outcome === 'consistent' ? '✔' : outcome === 'inconsistent' ? '≠' : '✖';
  return `${mark} result  ${message.subject}  [${outcome}, eventId ${message.attributes.eventId?.value ?? '?'}]`;
}
