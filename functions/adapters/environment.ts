/**
 * Runtime configuration: each variable read once, at cold start, through these helpers, which fail
 * fast with the variable's name and what it should hold. No silent defaults for required values.
 */
export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
}

type Env = Record<string, string | undefined>;

export function requireString(env: Env, name: string, hint: string): string {
  const value = env[name]?.trim();
  if (!value) throw new ConfigurationError(`${name} is not set: it should hold ${hint}`);
  return value;
}

export function optionalString(env: Env, name: string): string | null {
  const value = env[name]?.trim();
  return value ? value : null;
}

export function integer(
  env: Env,
  name: string,
  bounds: { default?: number; min: number; max: number },
): number {
  const raw = env[name]?.trim();
  if (!raw) {
    if (bounds.default === undefined) {
      throw new ConfigurationError(
        `${name} is not set: it should hold a whole number from ${bounds.min} to ${bounds.max}`,
      );
    }
    return bounds.default;
  }
  const value = Number(raw);
  if (!/^-?[0-9]+$/.test(raw) || value < bounds.min || value > bounds.max) {
    throw new ConfigurationError(
      `${name} is ${JSON.stringify(raw)}: it should be a whole number from ${bounds.min} to ${bounds.max}`,
    );
  }
  return value;
}

export function url(env: Env, name: string, protocols: readonly string[]): string {
  const raw = requireString(env, name, `a URL (${protocols.join(' or ')})`);
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigurationError(`${name} is not a URL: it should look like https://ninedata.example.com`);
  }
  if (!protocols.includes(parsed.protocol.replace(/:$/, ''))) {
    throw new ConfigurationError(
      `${name} must use ${protocols.join(' or ')}, not ${parsed.protocol.replace(/:$/, '')}`,
    );
  }
  return raw.replace(/\/+$/, '');
}
