/**
 * The result message of a run: the JSON body, the e-mail subject and the attributes subscribers
 * filter on. Pure; the publisher adapter only delivers what this builds.
 */
import type { PublishedMessage } from './ports';
import { differencesOf, type RunCounts, type RunView, type WatchOutcome } from './run-view';

export const RESULT_MESSAGE_TYPE = 'ninedata.compare.result';
export const RESULT_MESSAGE_VERSION = 1;
const SUBJECT_LIMIT = 100;

export interface ResultDelta {
  /** Change in all differing rows (changed + only in source + only in target). */
  differences: number;
  different: number | null;
  onlySource: number | null;
  onlyTarget: number | null;
}

export interface ResultBody {
  type: typeof RESULT_MESSAGE_TYPE;
  version: typeof RESULT_MESSAGE_VERSION;
  /** Stable per result: a redelivered or republished message carries the same id. */
  eventId: string;
  /** The run's outcome, or how the watch ended without one (`timed_out`, `unreachable`). */
  outcome: WatchOutcome;
  /** All differing rows, or null when NineData sent none of the counts. */
  differences: number | null;
  run: RunView;
  /** Why the watch ended without a result, when it did. */
  reason: string | null;
  previous: {
    execId: string;
    createdAt: string | null;
    counts: RunCounts;
    differences: number | null;
  } | null;
  delta: ResultDelta | null;
  /** True when this run found more differing rows than the previous run of the task. */
  regression: boolean;
  links: { run: string; snapshots: string; task: string | null } | null;
}

export interface ResultInput {
  run: RunView;
  outcome: WatchOutcome;
  /** The watch attempt: names results that are not the run's own (a watch that gave up). */
  attempt: number;
  previous: RunView | null;
  reason?: string | null;
  /** The HTTP API's base URL, for links; null when unknown. */
  apiUrl: string | null;
}

/**
 * A run has one result: its final outcome. A watch that gives up (deadline, NineData unreachable)
 * reports that once per watch, so watching the run again later can still deliver its result.
 */
export function resultEventId(execId: string, outcome: WatchOutcome, attempt: number): string {
  return outcome === 'timed_out' || outcome === 'unreachable'
    ? `compare-watch:${execId}:watch-${attempt}:${outcome}`
    : runResultEventId(execId);
}

/** The eventId of the run's own result, whatever its outcome. */
export function runResultEventId(execId: string): string {
  return `compare-watch:${execId}:result`;
}

function deltaOf(run: RunView, previous: RunView | null): ResultDelta | null {
  if (previous === null || run.status !== 'success') return null;
  const now = differencesOf(run.counts);
  const before = differencesOf(previous.counts);
  if (now === null || before === null) return null;
  const change = (a: number | null, b: number | null) => (a === null || b === null ? null : a - b);
  return {
    differences: now - before,
    different: change(run.counts.different, previous.counts.different),
    onlySource: change(run.counts.onlySource, previous.counts.onlySource),
    onlyTarget: change(run.counts.onlyTarget, previous.counts.onlyTarget),
  };
}

function plural(n: number, word: string): string {
  return `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;
}

function subjectOf(run: RunView, outcome: WatchOutcome, differences: number | null): string {
  const what: Record<WatchOutcome, string> = {
    consistent: 'consistent',
    inconsistent: differences === null ? 'differences found' : plural(differences, 'difference'),
    failed: 'failed',
    stopped: 'stopped',
    timed_out: `still ${run.status} at the watch deadline`,
    unreachable: 'NineData unreachable, watch ended',
  };
  const task = run.taskId ?? 'unknown task';
  const subject = `NineData compare ${task} #${run.execId}: ${what[outcome]}`;
  return subject.length <= SUBJECT_LIMIT ? subject : `${subject.slice(0, SUBJECT_LIMIT - 1)}…`;
}

export function buildResultBody(input: ResultInput): ResultBody {
  const { run, outcome, previous, apiUrl } = input;
  const differences = differencesOf(run.counts);
  const delta = deltaOf(run, previous);
  const base = apiUrl?.replace(/\/+$/, '') ?? null;
  return {
    type: RESULT_MESSAGE_TYPE,
    version: RESULT_MESSAGE_VERSION,
    eventId: resultEventId(run.execId, outcome, input.attempt),
    outcome,
    differences,
    run,
    reason: input.reason ?? null,
    previous:
      previous === null
        ? null
        : {
            execId: previous.execId,
            createdAt: previous.createdAt,
            counts: previous.counts,
            differences: differencesOf(previous.counts),
          },
    delta,
    regression: delta !== null && delta.differences > 0,
    links:
      base === null
        ? null
        : {
            run: `${base}/runs/${run.execId}`,
            snapshots: `${base}/runs/${run.execId}/snapshots`,
            task: run.taskId === null ? null : `${base}/tasks/${run.taskId}`,
          },
  };
}

/** The message as SNS carries it: subject, JSON body, and the attributes filter policies match. */
export function buildResultMessage(input: ResultInput): PublishedMessage & { eventId: string } {
  const body = buildResultBody(input);
  const attributes: PublishedMessage['attributes'] = {
    outcome: { type: 'String', value: body.outcome },
    status: { type: 'String', value: body.run.status || 'unknown' },
    taskId: { type: 'String', value: body.run.taskId ?? 'unknown' },
    regression: { type: 'String', value: String(body.regression) },
    eventId: { type: 'String', value: body.eventId },
  };
  // A Number attribute must hold a number: unknown counts leave it out rather than claim 0.
  if (body.differences !== null) attributes.different = { type: 'Number', value: String(body.differences) };
  return {
    eventId: body.eventId,
    subject: subjectOf(body.run, body.outcome, body.differences),
    body: JSON.stringify(body),
    attributes,
  };
}
