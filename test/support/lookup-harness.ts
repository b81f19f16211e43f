/**
 * The lookup handler wired as in production, but on local stand-ins: dynalite for the table, the
 * NineData sandbox over loopback (signatures checked) and a recording watch starter.
 */
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { DynamoRunStore } from '../../functions/adapters/dynamo-run-store';
import { recordNineDataAttempt } from '../../functions/adapters/ninedata-metrics';
import type { Log, MetricsSink, WatchStarter, WatchState } from '../../functions/core/ports';
import { createLookupHandler, type LookupHandler } from '../../functions/http/lookup-api';
import { createNineDataClient, type NineDataClientOptions } from '../../functions/ninedata/client';
import type { Credentials } from '../../functions/ninedata/signing';
import { ManualClock, type Sandbox, startSandbox } from '../../lib/local/sandbox';
import { type ApiRequest, apiEvent } from './api-events';
import { useDynalite } from './run-table';

export const CREDENTIALS: Credentials = { accessKeyId: 'AK-test', secretKey: 'sk-test-7f3a9c1e-do-not-log' };

export class RecordingWatchStarter implements WatchStarter {
  readonly started: { executionName: string; state: WatchState }[] = [];
  failNext = 0;
  async start(executionName: string, state: WatchState): Promise<void> {
    if (this.failNext > 0) {
      this.failNext -= 1;
      throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    }
    this.started.push({ executionName, state });
  }
}

export class RecordingMetrics implements MetricsSink {
  readonly counts: { name: string; dimensions: Record<string, string>; value: number }[] = [];
  count(name: string, dimensions: Record<string, string> = {}, value = 1): void {
    this.counts.push({ name, dimensions, value });
  }
  milliseconds(): void {}
}

export class RecordingLog implements Log {
  readonly lines: string[] = [];
  #keys: Record<string, unknown> = {};
  #write(level: string, message: string, extra: unknown[]) {
    this.lines.push(JSON.stringify({ level, message, ...this.#keys, extra }));
  }
  debug = (message: string, ...extra: unknown[]) => this.#write('DEBUG', message, extra);
  info = (message: string, ...extra: unknown[]) => this.#write('INFO', message, extra);
  warn = (message: string, ...extra: unknown[]) => this.#write('WARN', message, extra);
  error = (message: string, ...extra: unknown[]) =>
    this.#write(
      'ERROR',
      message,
      extra.map((e) => (e instanceof Error ? { name: e.name, message: e.message, stack: e.stack } : e)),
    );
  appendKeys(keys: Record<string, unknown>): void {
    this.#keys = { ...this.#keys, ...keys };
  }
  resetKeys(): void {
    this.#keys = {};
  }
}

/** A parsed answer; its body is JSON whose shape each test asserts field by field. */
export interface ApiAnswer {
  status: number;
  headers: Record<string, string>;
  // biome-ignore lint/suspicious/noExplicitAny: tests assert the JSON shape themselves
  body: any;
}

export interface LookupHarness {
  sandbox: Sandbox;
  clock: ManualClock;
  store: DynamoRunStore;
  watches: RecordingWatchStarter;
  metrics: RecordingMetrics;
  log: RecordingLog;
  handler: LookupHandler;
  /** Sends a request; the body is parsed JSON. */
  call(request: ApiRequest): Promise<ApiAnswer>;
  /** Rebuilds the handler with other client options or credentials (e.g. a wrong secret). */
  rewire(options?: { credentials?: Credentials; client?: Partial<NineDataClientOptions> }): void;
}

/** One sandbox and dynalite per file; a fresh table, clock, sandbox state and handler per test. */
export function useLookupHarness(): () => LookupHarness {
  const local = useDynalite();
  let sandbox: Sandbox;
  let harness: LookupHarness | undefined;
  const clock = new ManualClock('2026-05-08T08:35:00Z');

  beforeAll(async () => {
    sandbox = await startSandbox({ credentials: CREDENTIALS, clock });
  });
  afterAll(async () => {
    await sandbox?.close();
  });

  beforeEach(async () => {
    clock.set('2026-05-08T08:35:00Z');
    sandbox.clearFaults();
    sandbox.clearRequests();
    const tableName = await local.newTable();
    const store = new DynamoRunStore({
      client: local.dynamo().documents,
      tableName,
      snapshotRetentionDays: 30,
      clock,
    });
    const watches = new RecordingWatchStarter();
    const metrics = new RecordingMetrics();
    const log = new RecordingLog();
    const build = (options: { credentials?: Credentials; client?: Partial<NineDataClientOptions> } = {}) =>
      createLookupHandler({
        runs: store,
        nineData: createNineDataClient({
          endpoint: sandbox.url,
          credentials: async () => options.credentials ?? CREDENTIALS,
          clock,
          sleep: async () => {},
          random: () => 0.5,
          onAttempt: recordNineDataAttempt(metrics),
          ...options.client,
        }),
        clock,
        freshSeconds: 10,
        watches,
        settings: { deadlineSeconds: 86_400 },
        log,
        metrics,
        credentialsHint: 'the secret compare-watch/ninedata',
      });
    const current: LookupHarness = {
      sandbox,
      clock,
      store,
      watches,
      metrics,
      log,
      handler: build(),
      async call(request) {
        const response = await current.handler(apiEvent(request));
        const text = response.body ?? '';
        return {
          status: response.statusCode ?? 0,
          headers: (response.headers ?? {}) as Record<string, string>,
          body: text === '' ? null : JSON.parse(text),
        };
      },
      rewire(options) {
        current.handler = build(options);
      },
    };
    harness = current;
  });

  return () => {
    if (!harness) throw new Error('the lookup harness is not ready');
    return harness;
  };
}

let taskCounter = 0;
/** A task id unique within the test process, in NineData's form. */
export function newTaskId(): string {
  taskCounter += 1;
  return `cd-test${taskCounter.toString(36)}x${process.pid.toString(36)}`;
}
