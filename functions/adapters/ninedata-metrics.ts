/**
 * NineData's health as metrics: every attempt's latency by operation, every failed attempt by
 * error class, and credentials that cannot even be read (they would fail every call alike).
 * The alarms and the dashboard of lib/operations.ts read exactly these.
 */
import type { MetricsSink } from '../core/ports';
import type { NineDataAttempt } from '../ninedata/client';
import { isNineDataError } from '../ninedata/errors';
import type { Credentials } from '../ninedata/signing';

export function recordNineDataAttempt(metrics: MetricsSink): (attempt: NineDataAttempt) => void {
  return (attempt) => {
    metrics.milliseconds('UpstreamLatency', attempt.durationMs, {
      operation: upstreamOperationOf(attempt.path),
    });
    if (attempt.errorName) metrics.count('UpstreamErrors', { class: attempt.errorName });
  };
}

/** Counts a credentials read that failed with a NineData error (the placeholder secret, say) by its class. */
export function countingCredentialFailures(
  read: () => Promise<Credentials>,
  metrics: MetricsSink,
): () => Promise<Credentials> {
  return async () => {
    try {
      return await read();
    } catch (error) {
      if (isNineDataError(error)) metrics.count('UpstreamErrors', { class: error.name });
      throw error;
    }
  };
}

/** The `operation` dimension of a NineData call: the last segment of its path (`queryTaskExecInfo`). */
export function upstreamOperationOf(path: string): string {
  return path.split('/').filter(Boolean).slice(-1)[0] ?? 'unknown';
}
