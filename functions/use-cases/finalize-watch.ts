import type { Clock, ResultPublisher, RunStore } from '../core/ports';
import { buildResultMessage } from '../core/result-message';
import type { WatchOutcome } from '../core/run-view';
import type { CaughtError, FinalizeInput } from '../core/watch';

export interface FinalizeDeps {
  runs: RunStore;
  publisher: ResultPublisher;
  clock: Clock;
  /** The HTTP API's base URL, for links in the message; null when unknown. */
  apiUrl: string | null;
}

export interface FinalizeResult {
  execId: string;
  outcome: WatchOutcome;
  eventId: string;
  /** Whether this call published; false when the result had already been sent. */
  published: boolean;
}

/** Another publisher holds this result within its lease; the state machine retries later. */
export class ResultPublishPending extends Error {
  override readonly name = 'ResultPublishPending';
}

/**
 * Ends a watch and publishes its result, at most once per result:
 * 1. the outcome: the run's own once it is final (whatever ended the watch), else `timed_out`
 *    (deadline) or `unreachable` (polling failed for good);
 * 2. the watch's end in the store;
 * 3. the previous successful run of the task, for the change in differences;
 * 4. the publish, only by the caller that claims the result's eventId, then marked sent. A crash
 *    between publish and mark republishes the same eventId on retry: at-least-once delivery,
 *    deduplicated by subscribers on `eventId`.
 */
export async function finalizeWatch(
  deps: FinalizeDeps,
  input: FinalizeInput,
  owner: string,
): Promise<FinalizeResult> {
  const record = await deps.runs.getRun(input.execId);
  if (record === null) throw new Error(`run ${input.execId} is not recorded; a watch cannot end without it`);
  const run = record.view;
  if (input.decision === 'final' && !run.final) {
    // The store accepts every final view, so this cannot happen; if it does, retry rather than
    // announce a wrong outcome.
    throw new Error(`run ${input.execId} was polled final but the store does not hold it final yet`);
  }
  const outcome: WatchOutcome = run.outcome ?? (input.error ? 'unreachable' : 'timed_out');
  const now = deps.clock.now();

  await deps.runs.endWatch(input.execId, input.attempt, outcome, now);
  const previous = run.status === 'success' ? await deps.runs.findPreviousRun(run) : null;
  const message = buildResultMessage({
    run,
    outcome,
    attempt: input.attempt,
    previous,
    reason: run.final ? null : reasonOf(outcome, input.error),
    apiUrl: deps.apiUrl,
  });

  const claim = await deps.runs.claimNotification(input.execId, message.eventId, owner, now);
  if (claim === 'sent') return { execId: input.execId, outcome, eventId: message.eventId, published: false };
  if (claim === 'held')
    throw new ResultPublishPending(`result ${message.eventId} is being published by another watch`);
  await deps.publisher.publish(message);
  await deps.runs.markNotified(input.execId, message.eventId, deps.clock.now());
  return { execId: input.execId, outcome, eventId: message.eventId, published: true };
}

/**
 * A one-line reason for subscribers: the error name and message, never a stack. Step Functions puts
 * a Lambda error's cause as a JSON string (`{errorType, errorMessage, trace}`); other integrations
 * and the local runner put a plain message.
 */
export function reasonOf(outcome: WatchOutcome, error: CaughtError | undefined): string {
  if (outcome === 'timed_out') return 'the watch deadline passed before the run finished';
  if (!error) return 'polling NineData failed';
  const message = causeMessage(error.Cause);
  return message ? `${error.Error}: ${message.slice(0, 300)}` : error.Error;
}

function causeMessage(cause: unknown): string {
  if (typeof cause !== 'string') {
    const message = (cause as { message?: unknown } | null | undefined)?.message;
    return typeof message === 'string' ? message : '';
  }
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    if (typeof parsed?.errorMessage === 'string') return parsed.errorMessage;
  } catch {
    // Not JSON: the cause is the message itself.
  }
  return cause.trim().startsWith('{') ? '' : cause;
}
