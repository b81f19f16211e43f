/**
 * Local mode's configuration, from environment variables. Every mistake stops the start with one
 * line that says what to fix.
 */
import path from 'node:path';

export class LocalConfigError extends Error {
  override readonly name = 'LocalConfigError';
}

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

function wholeNumber(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  if (!/^[0-9]+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new LocalConfigError(
      `${name}=${raw} is not valid: give a whole number from ${min} to ${max} (default ${fallback})`,
    );
  }
  return Number(raw);
}

function httpUrl(name: string, raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new LocalConfigError(`${name}=${raw} is not a URL: give e.g. ${name}=https://ninedata.example.com`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new LocalConfigError(`${name}=${raw} must be an http or https URL`);
  }
  return raw.replace(/\/+$/, '');
}

function nineDataOf(env: Env): RealNineData | null {
  const names = ['NINEDATA_ENDPOINT', 'NINEDATA_ACCESS_KEY_ID', 'NINEDATA_SECRET_KEY'] as const;
  const set = names.filter((name) => env[name]?.trim());
  if (set.length === 0) return null;
  if (set.length < names.length) {
    const missing = names.filter((name) => !set.includes(name));
    throw new LocalConfigError(
      `${set.join(' and ')} ${set.length === 1 ? 'is' : 'are'} set but ${missing.join(' and ')} ${missing.length === 1 ? 'is' : 'are'} not: set all three to use a real NineData, or none for the built-in sandbox`,
    );
  }
  return {
    endpoint: httpUrl('NINEDATA_ENDPOINT', (env.NINEDATA_ENDPOINT as string).trim()),
    accessKeyId: (env.NINEDATA_ACCESS_KEY_ID as string).trim(),
    secretKey: (env.NINEDATA_SECRET_KEY as string).trim(),
  };
}

export function readLocalConfig(env: Env, cwd: string): LocalConfig {
  const pollMinSeconds = wholeNumber(env, 'POLL_MIN_SECONDS', 5, 1, 3600);
  const pollMaxSeconds = wholeNumber(env, 'POLL_MAX_SECONDS', 300, 1, 86_400);
  if (pollMaxSeconds < pollMinSeconds) {
    throw new LocalConfigError(
      `POLL_MAX_SECONDS=${pollMaxSeconds} is below POLL_MIN_SECONDS=${pollMinSeconds}: the bounds must be ordered`,
    );
  }
  const logLevel = (env.LOG_LEVEL?.trim().toLowerCase() || 'info') as LocalConfig['logLevel'];
  if (!['debug', 'info', 'warn'].includes(logLevel)) {
    throw new LocalConfigError(`LOG_LEVEL=${env.LOG_LEVEL} is not valid: give debug, info or warn`);
  }
  const host = env.HOST?.trim() || '127.0.0.1';
  return {
    host,
    port: wholeNumber(env, 'PORT', 3000, 0, 65_535),
    dataDir: path.resolve(cwd, env.DATA_DIR?.trim() || '.compare-watch'),
    nineData: nineDataOf(env),
    webhooks: (env.NOTIFY_WEBHOOKS ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .map((url) => httpUrl('NOTIFY_WEBHOOKS', url)),
    pollMinSeconds,
    pollMaxSeconds,
    watchDeadlineSeconds: wholeNumber(env, 'WATCH_DEADLINE_HOURS', 24, 1, 8760) * 3600,
    historyGuardPolls: wholeNumber(env, 'HISTORY_GUARD_POLLS', 500, 2, 2000),
    lookupFreshSeconds: wholeNumber(env, 'LOOKUP_FRESH_SECONDS', 10, 0, 3600),
    snapshotRetentionDays: wholeNumber(env, 'SNAPSHOT_RETENTION_DAYS', 90, 1, 3650),
    logLevel,
    demoSpeed: wholeNumber(env, 'DEMO_SPEED', 1, 1, 1000),
  };
}
