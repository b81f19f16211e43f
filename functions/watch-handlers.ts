/**
 * The watch state machine's task handlers, shared by the Lambdas and local mode: log context and
 * metrics around the poll and finalize use cases. Errors propagate with their names intact, since
 * the state machine's Retry and Catch match on them.
 */
import type { Log, MetricsSink } from './core/ports';
import type { CarriedWatchState, FinalizeInput, PollOutput } from './core/watch';
import { NineDataError } from './ninedata/errors';
import { type FinalizeDeps, type FinalizeResult, finalizeWatch } from './use-cases/finalize-watch';
import { type PollRunDeps, pollRun } from './use-cases/poll-run';

interface Telemetry {
  log: Log;
  metrics: MetricsSink;
}

export function createPollHandler(deps: PollRunDeps & Telemetry) {
  return async (state: CarriedWatchState): Promise<PollOutput> => {
    deps.log.resetKeys();
    deps.log.appendKeys({ execId: state.execId, attempt: state.attempt, generation: state.generation });
    try {
      const output = await pollRun(deps, state);
      deps.metrics.count('Polls', { decision: output.decision });
      deps.log.info('polled', {
        status: output.status,
        decision: output.decision,
        waitSeconds: output.waitSeconds,
      });
      return output;
    } catch (error) {
      if (error instanceof NineDataError) {
        deps.log.appendKeys({ nineDataRequestId: error.requestId });
        deps.log.warn('poll failed', { error: error.toJSON() });
      } else {
        deps.log.error('poll failed', { error });
      }
      throw error;
    }
  };
}

/**
 * The owner of a result claim must be the same across retries of one watch and differ between
 * watches: the watch attempt does both (an execution's successors share it).
 */
export function createFinalizeHandler(deps: FinalizeDeps & Telemetry) {
  return async (input: FinalizeInput): Promise<FinalizeResult> => {
    deps.log.resetKeys();
    deps.log.appendKeys({ execId: input.execId, attempt: input.attempt });
    const result = await finalizeWatch(deps, input, `watch-${input.execId}-${input.attempt}`);
    deps.metrics.count('Outcomes', { outcome: result.outcome });
    deps.log.info('watch ended', { ...result });
    return result;
  };
}
