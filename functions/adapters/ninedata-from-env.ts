/**
 * The NineData client of a Lambda, from its environment: credentials read by reference from
 * Secrets Manager, every attempt measured. Kept apart so the finalize bundle, which never calls
 * NineData, does not carry undici and zod.
 */
import type { Clock, MetricsSink } from '../core/ports';
import { systemClock } from '../core/ports';
import { createNineDataClient, type NineDataClient } from '../ninedata/client';
import { integer, requireString, url } from './environment';
import { countingCredentialFailures, recordNineDataAttempt } from './ninedata-metrics';
import { secretCredentials } from './secret-credentials';

type Env = Record<string, string | undefined>;

/** The NineData client, its credentials read by reference from Secrets Manager, its attempts measured. */
export function nineDataFromEnv(env: Env, metrics: MetricsSink, clock: Clock = systemClock): NineDataClient {
  return createNineDataClient({
    endpoint: url(env, 'NINEDATA_ENDPOINT', ['https', 'http']),
    credentials: countingCredentialFailures(
      secretCredentials({
        secretArn: requireString(env, 'NINEDATA_SECRET_ARN', 'the ARN of the NineData credentials secret'),
      }),
      metrics,
    ),
    clock,
    attemptTimeoutMs: integer(env, 'NINEDATA_ATTEMPT_TIMEOUT_MS', { default: 5000, min: 100, max: 60_000 }),
    deadlineMs: integer(env, 'NINEDATA_DEADLINE_MS', { default: 20_000, min: 1000, max: 600_000 }),
    onAttempt: recordNineDataAttempt(metrics),
  });
}
