/**
 * Builds the AWS-backed ports every Lambda shares from its environment, once per cold start.
 * Local mode composes the same use cases with local stand-ins instead.
 */

import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type Clock, type MetricsSink, systemClock } from '../core/ports';
import { DynamoRunStore } from './dynamo-run-store';
import { integer, requireString } from './environment';
import { METRICS_NAMESPACE, powertoolsMetrics, SERVICE_NAME } from './powertools-telemetry';

type Env = Record<string, string | undefined>;

export function telemetry(env: Env = process.env): { logger: Logger; metrics: MetricsSink } {
  const logger = new Logger({ serviceName: env.POWERTOOLS_SERVICE_NAME ?? SERVICE_NAME });
  const metrics = new Metrics({
    namespace: env.POWERTOOLS_METRICS_NAMESPACE ?? METRICS_NAMESPACE,
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
