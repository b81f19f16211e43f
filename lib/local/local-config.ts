/**
 * Local mode's configuration, from environment variables. Every mistake stops the start with one
 * line that says what to fix.
 */
import path from 'node:path';
import { ConfigurationError, integer, url } from '../../functions/adapters/environment';

export { ConfigurationError } from '../../functions/adapters/environment';

export interface RealNineData {
  endpoint: string;
  accessKeyId: string;
  secretKey: string;
}

export interface LocalConfig {
  host: string;
  port: number;
  dataDir: string;
  /** The real NineData, or null for the built-in sandbox. */
  nineData: RealNineData | null;
  webhooks: string[];
  pollMinSeconds: number;
  pollMaxSeconds: number;
  watchDeadlineSeconds: number;
  historyGuardPolls: number;
  lookupFreshSeconds: number;
  snapshotRetentionDays: number;
  logLevel: 'debug' | 'info' | 'warn';
  /** The sandbox's demo runs play this many times faster (1 = real time). */
  demoSpeed: number;
}

type Env = Record<string, string | undefined>;

/** A real NineData may be a private install behind plain http on this network. */
const HTTP = ['https', 'http'] as const;

function nineDataOf(env: Env): RealNineData | null {
  const names = ['NINEDATA_ENDPOINT', 'NINEDATA_ACCESS_KEY_ID', 'NINEDATA_SECRET_KEY'] as const;
  const set = names.filter((name) => env[name]?.trim());
  if (set.length === 0) return null;
  if (set.length < names.length) {
    const missing = names.filter((name) => !set.includes(name));
    throw new ConfigurationError(
      `${set.join(' and ')} ${set.length === 1 ? 'is' : 'are'} set but ${missing.join(' and ')} ${missing.length === 1 ? 'is' : 'are'} not: set all three to use a real NineData, or none for the built-in sandbox`,
    );
  }
  return {
    endpoint: url(env, 'NINEDATA_ENDPOINT', HTTP),
    accessKeyId: (env.NINEDATA_ACCESS_KEY_ID as string).trim(),
    secretKey: (env.NINEDATA_SECRET_KEY as string).trim(),
  };
}

export function readLocalConfig(env: Env, cwd: string): LocalConfig {
  const pollMinSeconds = integer(env, 'POLL_MIN_SECONDS', { default: 5, min: 1, max: 3600 });
  const pollMaxSeconds = integer(env, 'POLL_MAX_SECONDS', { default: 300, min: 1, max: 86_400 });
  if (pollMaxSeconds < pollMinSeconds) {
    throw new ConfigurationError(
      `POLL_MAX_SECONDS=${pollMaxSeconds} is below POLL_MIN_SECONDS=${pollMinSeconds}: the bounds must be ordered`,
    );
  }
  const logLevel = (env.LOG_LEVEL?.trim().toLowerCase() || 'info') as LocalConfig['logLevel'];
  if (!['debug', 'info', 'warn'].includes(logLevel)) {
    throw new ConfigurationError(`LOG_LEVEL=${env.LOG_LEVEL} is not valid: give debug, info or warn`);
  }
  const host = env.HOST?.trim() || '127.0.0.1';
  return {
    host,
    port: integer(env, 'PORT', { default: 3000, min: 0, max: 65_535 }),
    dataDir: path.resolve(cwd, env.DATA_DIR?.trim() || '.compare-watch'),
    nineData: nineDataOf(env),
    webhooks: (env.NOTIFY_WEBHOOKS ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .map((webhook) => url({ NOTIFY_WEBHOOKS: webhook }, 'NOTIFY_WEBHOOKS', HTTP)),
    pollMinSeconds,
    pollMaxSeconds,
    watchDeadlineSeconds: integer(env, 'WATCH_DEADLINE_HOURS', { default: 24, min: 1, max: 8760 }) * 3600,
    historyGuardPolls: integer(env, 'HISTORY_GUARD_POLLS', { default: 500, min: 2, max: 2000 }),
    lookupFreshSeconds: integer(env, 'LOOKUP_FRESH_SECONDS', { default: 10, min: 0, max: 3600 }),
    snapshotRetentionDays: integer(env, 'SNAPSHOT_RETENTION_DAYS', { default: 90, min: 1, max: 3650 }),
    logLevel,
    demoSpeed: integer(env, 'DEMO_SPEED', { default: 1, min: 1, max: 1000 }),
  };
}
