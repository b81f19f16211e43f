/**
 * The watch workflow's contract: what the state machine hands the Poll and Finalize tasks and what
 * they hand back. Every field here travels through Step Functions state, so it stays small JSON.
 */
import type { PollMemo } from './poll-policy';
import type { WatchRecord, WatchState } from './ports';

/** What the Choice state branches on after a poll. */
export type PollDecisionKind = 'final' | 'wait' | 'deadline' | 'continue';

/** The state carried from poll to poll: the watch plus the poll policy's memo. */
export interface CarriedWatchState extends WatchState {
  memo?: PollMemo | null;
}

export interface PollOutput extends CarriedWatchState {
  decision: PollDecisionKind;
  /** Seconds the Wait state sleeps before the next poll (≥ 1; only meaningful for `wait`). */
  waitSeconds: number;
  status: string;
  observedAt: string;
}

/** The error a Catch puts at `$.error`: the error name and its cause (for a Lambda, a JSON string). */
export interface CaughtError {
  Error: string;
  /** A Lambda's error as a JSON string in AWS; a plain message from other integrations. */
  Cause?: unknown;
}

/** Finalize receives the last state, with `error` when polling failed for good. */
export interface FinalizeInput extends CarriedWatchState {
  decision?: PollDecisionKind;
  error?: CaughtError;
}

export interface WatchSettings {
  /** How long a watch keeps polling before it ends as `timed_out`. */
  deadlineSeconds: number;
}

/**
 * Executions are named after the run, the watch attempt and the generation: starting the same
 * name twice starts nothing new (Step Functions name idempotency), and every successor and every
 * later watch of the run gets a fresh name. At most 80 characters of [A-Za-z0-9-_].
 */
export function executionNameOf(state: Pick<WatchState, 'execId' | 'attempt' | 'generation'>): string {
  return `run-${state.execId}-w${state.attempt}-g${state.generation}`;
}

export function newWatch(execId: string, attempt: number, now: Date, settings: WatchSettings): WatchRecord {
  const state: WatchState = {
    execId,
    attempt,
    generation: 0,
    polls: 0,
    totalPolls: 0,
    startedAt: now.toISOString(),
    deadline: new Date(now.getTime() + settings.deadlineSeconds * 1000).toISOString(),
  };
  return { ...state, phase: 'watching', executionName: executionNameOf(state), outcome: null, endedAt: null };
}

/** The carried part of a stored watch, to resume it (a successor, or local mode after a restart). */
export function watchStateOf(watch: WatchRecord): WatchState {
  const { execId, attempt, generation, polls, totalPolls, startedAt, deadline } = watch;
  return { execId, attempt, generation, polls, totalPolls, startedAt, deadline };
}
