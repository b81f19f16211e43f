/**
 * The stack's configuration, read from CDK context (cdk.json or `-c key=value`) and validated at
 * synth: a wrong value stops the synth with the key's name and how to fix it.
 */

export type ApiAuthorization = 'iam' | 'none';

export interface CompareWatchConfig {
  /** NineData's base URL (https). Context `ninedataEndpoint`. Required. */
  readonly ninedataEndpoint: string;
  /** Name or ARN of an existing secret with the NineData AccessKey; null to create one. Context `ninedataSecret`. */
  readonly ninedataSecret: string | null;
  /** Poll bounds in seconds. Context `pollMinSeconds` (default 5), `pollMaxSeconds` (default 300). */
  readonly pollMinSeconds: number;
  readonly pollMaxSeconds: number;
  /** How long a watch polls before ending as `timed_out`. Context `watchDeadlineHours` (default 24, at most 8760). */
  readonly watchDeadlineHours: number;
  /** Polls per execution before it hands over to a successor. Context `historyGuardPolls` (default 500). */
  readonly historyGuardPolls: number;
  /** Days a snapshot is kept. Context `snapshotRetentionDays` (default 90). */
  readonly snapshotRetentionDays: number;
  /** Seconds a stored observation of a running run is served without asking NineData. Context `lookupFreshSeconds` (default 10). */
  readonly lookupFreshSeconds: number;
  /** E-mail addresses subscribed to the results topic. Context `notifyEmails` (comma-separated). */
  readonly notifyEmails: readonly string[];
  /** E-mail addresses subscribed to the alarm topic. Context `alarmEmails` (comma-separated). */
  readonly alarmEmails: readonly string[];
  /** `iam` (default) signs every request with SigV4; `none` opens the API to anyone who has its URL. Context `apiAuthorization`. */
  readonly apiAuthorization: ApiAuthorization;
  /** Steady-state requests per second the API accepts. Context `apiRateLimit` (default 25). */
  readonly apiRateLimit: number;
  /** Requests the API accepts in a burst above the rate. Context `apiBurstLimit` (default 50). */
  readonly apiBurstLimit: number;
  /** A stage that may be deleted with its data (dev, CI). Context `disposable` (default false). */
  readonly disposable: boolean;
  /** Days function, workflow and API access logs are kept. Context `logRetentionDays` (default 30). */
  readonly logRetentionDays: number;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

type Context = (key: string) => unknown;

/** The retention periods CloudWatch Logs accepts. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

function text(context: Context, key: string): string | undefined {
  const value = context(key);
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'string') return value.trim() || undefined;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new ConfigError(
    `context ${key} must be a single value, got ${JSON.stringify(value)}: give it as -c ${key}=<value>`,
  );
}

function wholeNumber(
  context: Context,
  key: string,
  fallback: number,
  min: number,
  max: number,
  unit: string,
): number {
  const raw = text(context, key);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^[0-9]+$/.test(raw) || value < min || value > max) {
    throw new ConfigError(
      `context ${key} is ${JSON.stringify(raw)}: give a whole number of ${unit} from ${min} to ${max}, e.g. -c ${key}=${fallback}`,
    );
  }
  return value;
}

function flag(context: Context, key: string): boolean {
  const raw = text(context, key);
  if (raw === undefined) return false;
  if (raw === 'true' || raw === 'false') return raw === 'true';
  throw new ConfigError(`context ${key} is ${JSON.stringify(raw)}: give true or false, e.g. -c ${key}=true`);
}

function endpoint(context: Context): string {
  const key = 'ninedataEndpoint';
  const raw = text(context, key);
  const example = `-c ${key}=https://<your NineData OpenAPI host>`;
  if (raw === undefined) {
    throw new ConfigError(`context ${key} is required: the NineData OpenAPI base URL, e.g. ${example}`);
  }
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(`context ${key} is not a URL (${JSON.stringify(raw)}): give ${example}`);
  }
  if (parsed.protocol !== 'https:') {
    throw new ConfigError(`context ${key} must be an https URL (got ${parsed.protocol}): give ${example}`);
  }
  if (parsed.search || parsed.hash || parsed.username || parsed.password) {
    throw new ConfigError(
      `context ${key} must be a plain base URL without query, fragment or credentials: give ${example}`,
    );
  }
  return raw.replace(/\/+$/, '');
}

function emails(context: Context, key: string): string[] {
  const raw = context(key);
  const list = Array.isArray(raw) ? raw.map(String) : (text(context, key)?.split(',') ?? []);
  const addresses = list.map((s) => s.trim()).filter(Boolean);
  for (const address of addresses) {
    if (!/^[^@\s,]+@[^@\s,]+\.[^@\s,]+$/.test(address)) {
      throw new ConfigError(
        `context ${key} holds ${JSON.stringify(address)}, not an e-mail address: give -c ${key}=a@example.com,b@example.com`,
      );
    }
  }
  if (new Set(addresses).size !== addresses.length) {
    throw new ConfigError(`context ${key} names an address twice: give each address once`);
  }
  return addresses;
}

/**
 * A secret's complete ARN ends in the six random characters Secrets Manager appends to the name;
 * a partial ARN or a plain name does not (ambiguous for a name that itself ends in `-xxxxxx`: give
 * the complete ARN then).
 */
export const SECRET_ARN =
  /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@-]{1,512}$/;
export const SECRET_NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
export const COMPLETE_SECRET_ARN_SUFFIX = /-[A-Za-z0-9]{6}$/;

function secret(context: Context): string | null {
  const key = 'ninedataSecret';
  const raw = text(context, key);
  if (raw === undefined) return null;
  const isArn = raw.startsWith('arn:');
  if (isArn ? !SECRET_ARN.test(raw) : !SECRET_NAME.test(raw)) {
    throw new ConfigError(
      `context ${key} is ${JSON.stringify(raw)}, not a secret name or ARN: give -c ${key}=<name> or ` +
        `-c ${key}=arn:aws:secretsmanager:<region>:<account>:secret:<name>-<6 characters>, or leave it out to create a secret`,
    );
  }
  return raw;
}

/** Reads the stack name (context `stackName`, default `CompareWatch`); names of alarms and the state machine derive from it. */
export function readStackName(context: Context): string {
  const key = 'stackName';
  const raw = text(context, key) ?? 'CompareWatch';
  // The state machine is named `<stack>-watch` and must stay within Step Functions' 80 characters.
  if (!/^[A-Za-z][A-Za-z0-9-]{0,49}$/.test(raw)) {
    throw new ConfigError(
      `context ${key} is ${JSON.stringify(raw)}: give a letter followed by up to 49 letters, digits or hyphens, e.g. -c ${key}=CompareWatch-dev`,
    );
  }
  return raw;
}

/** Reads and validates the configuration; throws a ConfigError naming the key and the fix. */
export function readConfig(context: Context): CompareWatchConfig {
  const ninedataEndpoint = endpoint(context);
  const pollMinSeconds = wholeNumber(context, 'pollMinSeconds', 5, 1, 3600, 'seconds');
  const pollMaxSeconds = wholeNumber(context, 'pollMaxSeconds', 300, 1, 86_400, 'seconds');
  if (pollMaxSeconds < pollMinSeconds) {
    throw new ConfigError(
      `context pollMaxSeconds (${pollMaxSeconds}) is below pollMinSeconds (${pollMinSeconds}): the bounds must be ordered, ` +
        `e.g. -c pollMinSeconds=${pollMaxSeconds} or -c pollMaxSeconds=${pollMinSeconds}`,
    );
  }
  const apiAuthorization = text(context, 'apiAuthorization') ?? 'iam';
  if (apiAuthorization !== 'iam' && apiAuthorization !== 'none') {
    throw new ConfigError(
      `context apiAuthorization is ${JSON.stringify(apiAuthorization)}: give -c apiAuthorization=iam (the default, SigV4-signed requests) ` +
        'or -c apiAuthorization=none (an API open to anyone who has its URL)',
    );
  }
  const logRetentionDays = wholeNumber(context, 'logRetentionDays', 30, 1, 3653, 'days');
  if (!(LOG_RETENTION_DAYS as readonly number[]).includes(logRetentionDays)) {
    throw new ConfigError(
      `context logRetentionDays is ${logRetentionDays}: CloudWatch Logs keeps logs for ${LOG_RETENTION_DAYS.join(', ')} days; ` +
        'give one of these, e.g. -c logRetentionDays=30',
    );
  }
  return {
    ninedataEndpoint,
    ninedataSecret: secret(context),
    pollMinSeconds,
    pollMaxSeconds,
    watchDeadlineHours: wholeNumber(context, 'watchDeadlineHours', 24, 1, 8760, 'hours'),
    historyGuardPolls: wholeNumber(context, 'historyGuardPolls', 500, 10, 2000, 'polls'),
    snapshotRetentionDays: wholeNumber(context, 'snapshotRetentionDays', 90, 1, 3650, 'days'),
    lookupFreshSeconds: wholeNumber(context, 'lookupFreshSeconds', 10, 0, 3600, 'seconds'),
    notifyEmails: emails(context, 'notifyEmails'),
    alarmEmails: emails(context, 'alarmEmails'),
    apiAuthorization,
    apiRateLimit: wholeNumber(context, 'apiRateLimit', 25, 1, 10_000, 'requests per second'),
    apiBurstLimit: wholeNumber(context, 'apiBurstLimit', 50, 1, 5000, 'requests'),
    disposable: flag(context, 'disposable'),
    logRetentionDays,
  };
}
