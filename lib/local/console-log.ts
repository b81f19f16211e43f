/**
 * Local mode's log: one short line per event on stderr, readable by a person at a terminal
 * (Lambdas log Powertools JSON instead). Keys appended by the handlers follow the message.
 */
import type { Log } from '../../functions/core/ports';

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40 } as const;
type Level = keyof typeof LEVELS;

export class ConsoleLog implements Log {
  #keys: Record<string, unknown> = {};
  constructor(
    private readonly threshold: Exclude<Level, 'error'> = 'info',
    private readonly write: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
  ) {}

  #log(level: Level, message: string, extra: unknown[]): void {
    if (LEVELS[level] < LEVELS[this.threshold]) return;
    const fields = {
      ...this.#keys,
      ...Object.assign({}, ...extra.filter((e) => typeof e === 'object' && e !== null)),
    };
    const detail = Object.entries(fields)
      .filter(([, value]) => value !== undefined && value !== null)
      .map(([key, value]) => `${key}=${typeof value === 'object' ? JSON.stringify(value) : String(value)}`)
      .join(' ');
    const time = new Date().toISOString().slice(11, 19);
    this.write(`${time} ${level.toUpperCase().padEnd(5)} ${message}${detail ? ` ${detail}` : ''}`);
  }

  debug = (message: string, ...extra: unknown[]) => this.#log('debug', message, extra);
  info = (message: string, ...extra: unknown[]) => this.#log('info', message, extra);
  warn = (message: string, ...extra: unknown[]) => this.#log('warn', message, extra);
  error = (message: string, ...extra: unknown[]) => this.#log('error', message, extra);

  appendKeys(keys: Record<string, unknown>): void {
    this.#keys = { ...this.#keys, ...keys };
  }

  resetKeys(): void {
    this.#keys = {};
  }
}
