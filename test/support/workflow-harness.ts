/**
 * The whole watch path on local stand-ins: the lookup handler starts watches, the synthesized state
 * machine runs under aws-local-stepfunctions with its Tasks bound to the real poll and finalize
 * handlers, the store is dynalite and NineData is the sandbox. Waits take no real time: each Wait
 * moves the shared manual clock by the seconds the poll policy chose. On top, for the reliability
 * suite:
 * - NineData client options (a per-attempt time-out short enough to fault in milliseconds);
 * - a store that records every observation offered to it, so a test can tell a lost snapshot or a
 *   lost update from one the store rightly refused;
 * - the raw text and headers of every lookup answer, and every log line, for secret hygiene.
 *
 * SNS has no local stand-in, so results go to a recording `ResultPublisher` (the port the SNS
 * adapter implements; the adapter itself is tested with aws-sdk-client-mock).
 */
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { DynamoRunStore } from '../../functions/adapters/dynamo-run-store';
import { DEFAULT_POLL_POLICY } from '../../functions/core/poll-policy';
import type { PublishedMessage, RecordResult, ResultPublisher, RunRecord } from '../../functions/core/ports';
import type { RunView } from '../../functions/core/run-view';
import type { CarriedWatchState, PollOutput } from '../../functions/core/watch';
import { createLookupHandler, type LookupHandler } from '../../functions/http/lookup-api';
import { createNineDataClient, type NineDataClientOptions } from '../../functions/ninedata/client';
import type { Credentials } from '../../functions/ninedata/signing';
import { createFinalizeHandler, createPollHandler } from '../../functions/watch-handlers';
import { type WatchDefinition, watchDefinition } from '../../lib/local/definition';
import { LocalWorkflow } from '../../lib/local/local-workflow';
import { ManualClock, type Sandbox, startSandbox } from '../../lib/local/sandbox';
import { type ApiRequest, apiEvent } from './api-events';
import { CREDENTIALS, RecordingLog, RecordingMetrics } from './lookup-harness';
import { useDynalite } from './run-table';

export class RecordingPublisher implements ResultPublisher {
  readonly messages: PublishedMessage[] = [];
  failNext = 0;
  async publish(message: PublishedMessage): Promise<void> {
    if (this.failNext > 0) {
      this.failNext -= 1;
      throw Object.assign(new Error('SNS throttled'), { name: 'Throttling' });
    }
    this.messages.push(message);
  }
  /** Parsed bodies of the messages about one run. */
  bodiesFor(execId: string) {
    return this.messages.map((m) => JSON.parse(m.body)).filter((b) => b.run.execId === execId);
  }
}

/** A run store that remembers every observation it was offered and what became of it. */
export class ObservedRunStore extends DynamoRunStore {
  readonly observations: { view: RunView; applied: boolean; snapshotWritten: boolean }[] = [];

  override async recordObservation(
    view: RunView,
    options?: { touch?: boolean; current?: RunRecord | null; watchPolls?: number },
  ): Promise<RecordResult> {
    const result = await super.recordObservation(view, options);
    this.observations.push({ view, applied: result.applied, snapshotWritten: result.snapshotWritten });
    return result;
  }
}

export interface WorkflowOptions {
  /** Options of both NineData clients (the poll's and the lookup's). */
  client?: Partial<NineDataClientOptions>;
  /** Credentials the poll handler signs with. @default CREDENTIALS */
  pollCredentials?: Credentials;
  /** Credentials the lookup handler signs with. @default CREDENTIALS */
  lookupCredentials?: Credentials;
  /** Where both handlers read their credentials (e.g. the Secrets Manager reader); overrides the two above. */
  credentials?: () => Promise<Credentials>;
  /** Watch deadline in seconds. @default 24 h */
  deadlineSeconds?: number;
  /** Polls per execution before the hand-over. @default 500 */
  historyGuardPolls?: number;
}

export interface LookupAnswer {
  status: number;
  headers: Record<string, string>;
  /** The body exactly as sent. */
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests assert the JSON shape themselves
  body: any;
}

export interface WorkflowHarness {
  sandbox: Sandbox;
  clock: ManualClock;
  store: ObservedRunStore;
  publisher: RecordingPublisher;
  workflow: LocalWorkflow;
  /** Every log line of the lookup, poll and finalize handlers. */
  log: RecordingLog;
  lookup: LookupHandler;
  /** Every poll's input and output (or error name), in order. */
  polls: { input: CarriedWatchState; output: PollOutput | null; error: string | null }[];
  /** Every answer of the lookup handler, in order. */
  answers: LookupAnswer[];
  call(request: ApiRequest): Promise<LookupAnswer>;
  /** POST /runs/{execId}/watch. */
  watch(execId: string): Promise<LookupAnswer>;
  /** Waits until every execution (successors included) has ended. */
  settle(): Promise<void>;
}

let definition: WatchDefinition | undefined;

/**
 * One sandbox and dynalite per file; a fresh table, handlers and workflow per `build`. Faults,
 * recorded requests and the sandbox's clock skew are cleared before and after every test.
 */
export function useWorkflowHarness(): (options?: WorkflowOptions) => Promise<WorkflowHarness> {
  const local = useDynalite();
  const clock = new ManualClock('2026-05-08T08:00:00Z');
  let sandbox: Sandbox;

  beforeAll(async () => {
    definition ??= watchDefinition();
    sandbox = await startSandbox({ credentials: CREDENTIALS, clock });
  });
  afterAll(async () => {
    await sandbox?.close();
  });
  const reset = () => {
    sandbox.clearFaults();
    sandbox.clearRequests();
    sandbox.setServerSkew(0);
  };
  beforeEach(reset);
  afterEach(reset);

  return async (options = {}) => {
    const tableName = await local.newTable();
    const store = new ObservedRunStore({
      client: local.dynamo().documents,
      tableName,
      snapshotRetentionDays: 30,
      clock,
    });
    const publisher = new RecordingPublisher();
    const client = (credentials: Credentials) =>
      createNineDataClient({
        endpoint: sandbox.url,
        credentials: options.credentials ?? (async () => credentials),
        clock,
        sleep: async () => {},
        random: () => 0.5,
        ...options.client,
      });
    const log = new RecordingLog();
    const telemetry = { log, metrics: new RecordingMetrics() };
    const poll = createPollHandler({
      runs: store,
      nineData: client(options.pollCredentials ?? CREDENTIALS),
      clock,
      policy: DEFAULT_POLL_POLICY,
      historyGuardPolls: options.historyGuardPolls ?? 500,
      ...telemetry,
    });
    const finalize = createFinalizeHandler({
      runs: store,
      publisher,
      clock,
      apiUrl: 'https://api.example.com',
      ...telemetry,
    });
    const polls: WorkflowHarness['polls'] = [];
    const workflow = new LocalWorkflow({
      definition: definition as WatchDefinition,
      instant: true,
      log,
      handlers: {
        poll: async (input) => {
          // The Wait before this poll took no real time: move the shared clock instead.
          const previous = input as Partial<PollOutput>;
          // A successor's first poll also comes after the wait its predecessor decided on.
          const waited = previous.decision === 'wait' || previous.decision === 'continue';
          if (waited && typeof previous.waitSeconds === 'number') {
            clock.advance(previous.waitSeconds * 1000);
          }
          const entry: WorkflowHarness['polls'][number] = { input, output: null, error: null };
          polls.push(entry);
          try {
            entry.output = await poll(input);
            return entry.output;
          } catch (error) {
            entry.error = error instanceof Error ? error.name : String(error);
            throw error;
          }
        },
        finalize,
      },
    });
    const lookup = createLookupHandler({
      runs: store,
      nineData: client(options.lookupCredentials ?? CREDENTIALS),
      clock,
      freshSeconds: 10,
      watches: workflow,
      settings: { deadlineSeconds: options.deadlineSeconds ?? 86_400 },
      credentialsHint: 'the test secret',
      ...telemetry,
    });
    const answers: LookupAnswer[] = [];
    const call = async (request: ApiRequest): Promise<LookupAnswer> => {
      const response = await lookup(apiEvent(request));
      const text = response.body ?? '';
      const answer: LookupAnswer = {
        status: response.statusCode ?? 0,
        headers: (response.headers ?? {}) as Record<string, string>,
        text,
        body: text === '' ? null : JSON.parse(text),
      };
      answers.push(answer);
      return answer;
    };
    return {
      sandbox,
      clock,
      store,
      publisher,
      workflow,
      log,
      lookup,
      polls,
      answers,
      call,
      watch: (execId) => call({ method: 'POST', path: `/runs/${execId}/watch` }),
      settle: () => workflow.idle(),
    };
  };
}
