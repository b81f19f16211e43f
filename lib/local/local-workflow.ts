/**
 * Runs watch executions on this machine with aws-local-stepfunctions, executing the synthesized
 * definition with each Task bound in-process to the same handler code as the Lambdas.
 * It is the local `WatchStarter`: names are idempotent, as in Step Functions.
 */
import './polyfills';
import { setTimeout as delay } from 'node:timers/promises';
import { StateMachine } from 'aws-local-stepfunctions';
import type { Log, WatchStarter, WatchState } from '../../functions/core/ports';
import { silentLog } from '../../functions/core/ports';
import type { CarriedWatchState, FinalizeInput } from '../../functions/core/watch';
import { WATCH_STATES } from '../watch-workflow';
import { LOCAL_ACCOUNT, LOCAL_REGION, type WatchDefinition } from './definition';

type JSONValue = Parameters<StateMachine['run']>[0];

export interface WatchTaskHandlers {
  poll(input: CarriedWatchState): Promise<unknown>;
  finalize(input: FinalizeInput): Promise<unknown>;
}

export interface LocalWorkflowOptions {
  definition: WatchDefinition;
  handlers: WatchTaskHandlers;
  log?: Log;
  /** Tests: Wait states and retries take no real time (the test moves its clock instead). */
  instant?: boolean;
}

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED';

export interface LocalExecution {
  name: string;
  input: WatchState;
  status: ExecutionStatus;
  startedAt: Date;
  /** Settles when the execution ends, never rejects. */
  done: Promise<ExecutionStatus>;
  output?: unknown;
  error?: string;
  /** The states entered, in order (the execution's history, for tests and troubleshooting). */
  states: string[];
}

export class LocalWorkflow implements WatchStarter {
  readonly #machine: StateMachine;
  readonly #options: LocalWorkflowOptions;
  readonly #executions = new Map<string, LocalExecution & { abort: () => void }>();
  /** Task handler calls under way: a stop waits for them, so no write is cut off half-way. */
  readonly #tasks = new Set<Promise<unknown>>();
  #stopping = false;

  constructor(options: LocalWorkflowOptions) {
    this.#options = options;
    this.#machine = new StateMachine(options.definition.definition);
  }

  get executions(): readonly LocalExecution[] {
    return [...this.#executions.values()];
  }

  async start(executionName: string, state: WatchState): Promise<void> {
    if (this.#stopping) throw new Error('local mode is shutting down; no new watch starts');
    if (this.#executions.has(executionName)) return;
    const log = this.#options.log ?? silentLog;
    const { definition, handlers, instant } = this.#options;
    const arn = `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stateMachine:${definition.stateMachineName}`;
    const startedAt = new Date();
    const run = this.#machine.run(state as unknown as JSONValue, {
      noThrowOnAbort: true,
      overrides: {
        taskResourceLocalHandlers: {
          [WATCH_STATES.poll]: (input) => this.#track(handlers.poll(input as unknown as CarriedWatchState)),
          [WATCH_STATES.finalize]: (input) =>
            this.#track(handlers.finalize(input as unknown as FinalizeInput)),
          // The successor is another local execution of the same definition.
          [WATCH_STATES.handOver]: async (input) => {
            const { Name, Input } = input as { Name: string; Input: string };
            await this.start(Name, JSON.parse(Input) as WatchState);
            return { ExecutionArn: `${arn.replace(':stateMachine:', ':execution:')}:${Name}` };
          },
        },
        ...(instant
          ? {
              waitTimeOverrides: { [WATCH_STATES.wait]: 0, [WATCH_STATES.waitBeforeHandOver]: 0 },
              retryIntervalOverrides: {
                [WATCH_STATES.poll]: 0,
                [WATCH_STATES.finalize]: 0,
                [WATCH_STATES.handOver]: 0,
              },
            }
          : {}),
      },
      context: {
        Execution: {
          Id: `${arn.replace(':stateMachine:', ':execution:')}:${executionName}`,
          Name: executionName,
          StartTime: startedAt.toISOString(),
          Input: state as unknown as JSONValue,
        },
        StateMachine: { Id: arn, Name: definition.stateMachineName },
      } as never,
    });
    const states: string[] = [];
    const history = (async () => {
      for await (const event of run.eventLogs) {
        if (event.type === 'StateEntered') states.push(event.state.name);
      }
    })().catch(() => {
      // The history is a convenience: an aborted execution may end its event stream abruptly.
    });
    // An execution is done once its history is complete too (bounded, should the stream hang).
    const settled = (status: ExecutionStatus) => Promise.race([history, delay(1_000)]).then(() => status);
    const execution: LocalExecution & { abort: () => void } = {
      name: executionName,
      input: state,
      status: 'RUNNING',
      startedAt,
      states,
      abort: run.abort,
      done: run.result
        .then(
          (output) => {
            execution.output = output;
            return output === null && this.#stopping ? 'ABORTED' : 'SUCCEEDED';
          },
          (error: unknown) => {
            execution.error = error instanceof Error ? error.message : String(error);
            log.error('watch execution failed', { executionName, error: execution.error });
            return 'FAILED' as const;
          },
        )
        .then(settled)
        .then((status) => {
          execution.status = status;
          return status;
        }),
    };
    this.#executions.set(executionName, execution);
  }

  /** Resolves once no execution is running (successors started meanwhile included). */
  async idle(): Promise<void> {
    for (;;) {
      const running = [...this.#executions.values()].filter((e) => e.status === 'RUNNING');
      if (running.length === 0) return;
      await Promise.all(running.map((e) => e.done));
    }
  }

  /**
   * Aborts every running execution once its task under way (a poll, a finalize) has finished; the
   * store keeps their watches, to be resumed on the next start.
   */
  async stop(): Promise<void> {
    this.#stopping = true;
    const running = [...this.#executions.values()].filter((e) => e.status === 'RUNNING');
    for (const execution of running) execution.abort();
    await Promise.allSettled([...this.#tasks]);
    await Promise.all(running.map((e) => e.done));
  }

  async #track(work: Promise<unknown>): Promise<JSONValue> {
    this.#tasks.add(work);
    try {
      return (await work) as JSONValue;
    } finally {
      this.#tasks.delete(work);
    }
  }
}
