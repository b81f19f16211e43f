/**
 * The whole watch path on local stand-ins: the lookup handler starts watches, the synthesized state
 * machine runs under aws-local-stepfunctions with its Tasks bound to the real poll and finalize
 * handlers, the store is dynalite and NineData is the sandbox. Waits take no real time: each Wait
 * moves the shared manual clock by the seconds the poll policy chose.
 *
 * SNS has no local stand-in, so results go to a recording `ResultPublisher` (the port the SNS
 * adapter implements; the adapter itself is tested with aws-sdk-client-mock).
 */
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { DynamoRunStore } from '../../functions/adapters/dynamo-run-store';
import { DEFAULT_POLL_POLICY } from '../../functions/core/poll-policy';
import type { PublishedMessage, ResultPublisher, WatchState } from '../../functions/core/ports';
import type { CarriedWatchState, PollOutput } from '../../functions/core/watch';
import { createLookupHandler } from '../../functions/http/lookup-api';
import { createNineDataClient } from '../../functions/ninedata/client';
import type { Credentials } from '../../functions/ninedata/signing';
import { createFinalizeHandler, createPollHandler } from '../../functions/watch-handlers';
import { type WatchDefinition, watchDefinition } from '../../lib/local/definition';
import { LocalWorkflow } from '../../lib/local/local-workflow';
import { ManualClock, type Sandbox, startSandbox } from '../../lib/local/sandbox';
import { apiEvent } from './api-events';
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

export interface WorkflowOptions {
  /** Polls per execution before the hand-over. @default 500 */
  historyGuardPolls?: number;
  /** Watch deadline in seconds. @default 24 h */
  deadlineSeconds?: number;
  /** Credentials the poll handler signs with (the lookup keeps the right ones). */
  pollCredentials?: Credentials;
}

export interface WorkflowHarness {
  sandbox: Sandbox;
  clock: ManualClock;
  store: DynamoRunStore;
  publisher: RecordingPublisher;
  workflow: LocalWorkflow;
  /** Every poll's input and output, in order. */
  polls: { input: CarriedWatchState; output: PollOutput | null; error: string | null }[];
  /** POST /runs/{execId}/watch through the lookup handler. */
  watch(execId: string): Promise<{ status: number; body: Record<string, unknown> }>;
  request(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: Record<string, unknown> }>;
  /** Waits until every execution (successors included) has ended. */
  settle(): Promise<void>;
}

let definition: WatchDefinition | undefined;

/** One sandbox, dynalite and synthesized definition per file; the rest fresh per `build`. */
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
  beforeEach(() => {
    sandbox.clearFaults();
    sandbox.clearRequests();
  });

  return async (options = {}) => {
    const tableName = await local.newTable();
    const store = new DynamoRunStore({
      client: local.dynamo().documents,
      tableName,
      snapshotRetentionDays: 30,
      clock,
    });
    const publisher = new RecordingPublisher();
    const client = (credentials: Credentials) =>
      createNineDataClient({
        endpoint: sandbox.url,
        credentials: async () => credentials,
        clock,
        sleep: async () => {},
        random: () => 0.5,
      });
    const telemetry = { log: new RecordingLog(), metrics: new RecordingMetrics() };
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
      handlers: {
        poll: async (input) => {
          // The Wait before this poll took no real time: move the shared clock instead.
          const previous = input as Partial<PollOutput>;
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
      nineData: client(CREDENTIALS),
      clock,
      freshSeconds: 10,
      watches: workflow,
      settings: { deadlineSeconds: options.deadlineSeconds ?? 86_400 },
      credentialsHint: 'the test secret',
      ...telemetry,
    });
    const request = async (method: string, path: string, body?: unknown) => {
      const response = await lookup(apiEvent({ method, path, body }));
      return { status: response.statusCode ?? 0, body: JSON.parse(response.body ?? 'null') };
    };
    return {
      sandbox,
      clock,
      store,
      publisher,
      workflow,
      polls,
      request,
      watch: (execId) => request('POST', `/runs/${execId}/watch`),
      settle: () => workflow.idle(),
    };
  };
}

export function watchStateOf(harness: WorkflowHarness, executionName: string): WatchState | undefined {
  return harness.workflow.executions.find((e) => e.name === executionName)?.input;
}
