/** The Finalize task of the watch state machine: ends a watch and publishes its result once. */
import { SNSClient } from '@aws-sdk/client-sns';
import { runStoreFromEnv, telemetry } from './adapters/aws-runtime';
import { optionalString, requireString } from './adapters/environment';
import { SnsResultPublisher } from './adapters/sns-result-publisher';
import { systemClock } from './core/ports';
import { createFinalizeHandler } from './watch-handlers';

const env = process.env;
const { logger, metrics } = telemetry(env);

export const handler = createFinalizeHandler({
  runs: runStoreFromEnv(env),
  publisher: new SnsResultPublisher(
    new SNSClient({}),
    requireString(env, 'TOPIC_ARN', 'the results topic ARN'),
  ),
  clock: systemClock,
  apiUrl: optionalString(env, 'API_URL'),
  log: logger,
  metrics,
});
