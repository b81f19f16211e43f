/**
 * Builds the AWS-backed ports of a Lambda from its environment, once per cold start. Each entry
 * takes only what it needs; local mode composes the same use cases with local stand-ins instead.
 */

import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type Clock, type MetricsSink, systemClock } from '../core/ports';
import { createNineDataClient, type NineDataClient } from '../ninedata/client';
import { DynamoRunStore } from './dynamo-run-store';
import { integer, requireString, url } from './environment';
import { powertoolsMetrics } from './powertools-telemetry';
import { secretCredentials } from './secret-credentials';

type Env = Record<string, string | undefined>;

export const SERVICE_NAME = 'compare-watch';

export function telemetry(env: Env = process.env): { logger: Logger; metrics: MetricsSink } {
  const logger = new Logger({ serviceName: env.POWERTOOLS_SERVICE_NAME ?? SERVICE_NAME });
  const metrics = new Metrics({
    namespace: env.POWERTOOLS_METRICS_NAMESPACE ?? 'CompareWatch',
    serviceName: env.POWERTOOLS_SERVICE_NAME ?? SERVICE_NAME,
  });
  return { logger, metrics: powertoolsMetrics(metrics) };
}

export function runStoreFromEnv(env: Env = process.env, clock: Clock = systemClock): DynamoRunStore {
  const documents = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
    marshallOptions: { removeUndefinedValues: true },
  });
  return new DynamoRunStore({
    client: documents,
    tableName: requireString(env, 'TABLE_NAME', 'the run table name'),
    snapshotRetentionDays: integer(env, 'SNAPSHOT_RETENTION_DAYS', { default: 90, min: 1, max: 3650 }),
    clock,
  });
}

/** The NineData client, its credentials read by reference from Secrets Manager, its attempts measured. */
export function nineDataFromEnv(env: Env, metrics: MetricsSink, clock: Clock = systemClock): NineDataClient {
  return createNineDataClient({
    endpoint: url(env, 'NINEDATA_ENDPOINT', ['https', 'http']),
    credentials: secretCredentials({
      secretArn: requireString(env, 'NINEDATA_SECRET_ARN', 'the ARN of the NineData credentials secret'),
    }),
    clock,
    attemptTimeoutMs: integer(env, 'NINEDATA_ATTEMPT_TIMEOUT_MS', { default: 5000, min: 100, max: 60_000 }),
    deadlineMs: integer(env, 'NINEDATA_DEADLINE_MS', { default: 20_000, min: 1000, max: 600_000 }),
    onAttempt: (attempt) => {
      metrics.milliseconds('UpstreamLatency', attempt.durationMs, { operation: operationOf(attempt.path) });
      if (attempt.errorName) metrics.count('UpstreamErrors', { class: attempt.errorName });
    },
  });
}

function operationOf(path: string): string {
  return path.split('/').filter(Boolean).slice(-1)[0] ?? 'unknown';
}
