/** The lookup Lambda: every route of the HTTP API. */
import { SFNClient } from '@aws-sdk/client-sfn';
import { runStoreFromEnv, telemetry } from './adapters/aws-runtime';
import { integer, requireString } from './adapters/environment';
import { nineDataFromEnv } from './adapters/ninedata-from-env';
import { SfnWatchStarter } from './adapters/sfn-watch-starter';
import { systemClock } from './core/ports';
import { createLookupHandler } from './http/lookup-api';

const env = process.env;
const { logger, metrics } = telemetry(env);

export const handler = createLookupHandler({
  runs: runStoreFromEnv(env),
  nineData: nineDataFromEnv(env, metrics),
  clock: systemClock,
  freshSeconds: integer(env, 'LOOKUP_FRESH_SECONDS', { default: 10, min: 0, max: 3600 }),
  watches: new SfnWatchStarter(
    new SFNClient({}),
    requireString(env, 'STATE_MACHINE_ARN', 'the watch state machine ARN'),
  ),
  settings: { deadlineSeconds: integer(env, 'WATCH_DEADLINE_SECONDS', { min: 60, max: 365 * 86_400 }) },
  log: logger,
  metrics,
  credentialsHint: `the secret ${requireString(env, 'NINEDATA_SECRET_ARN', 'the ARN of the NineData credentials secret')}`,
});
