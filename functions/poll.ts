/** The Poll task of the watch state machine: one poll of a watched run. */
import { runStoreFromEnv, telemetry } from './adapters/aws-runtime';
import { integer } from './adapters/environment';
import { nineDataFromEnv } from './adapters/ninedata-from-env';
import { validatePollPolicyConfig } from './core/poll-policy';
import { systemClock } from './core/ports';
import { createPollHandler } from './watch-handlers';

const env = process.env;
const { logger, metrics } = telemetry(env);

export const handler = createPollHandler({
  runs: runStoreFromEnv(env),
  nineData: nineDataFromEnv(env, metrics),
  clock: systemClock,
  policy: validatePollPolicyConfig({
    minSeconds: integer(env, 'POLL_MIN_SECONDS', { default: 5, min: 1, max: 86_400 }),
    maxSeconds: integer(env, 'POLL_MAX_SECONDS', { default: 300, min: 1, max: 86_400 }),
  }),
  historyGuardPolls: integer(env, 'HISTORY_GUARD_POLLS', { default: 500, min: 2, max: 2000 }),
  log: logger,
  metrics,
});
