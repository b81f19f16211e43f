/**
 * Raw, signed HTTP calls to the NineData sandbox, for tests of the sandbox itself (the client has
 * its own tests): every header can be set or spoiled.
 */
import { authHeaders, type Credentials } from '../../functions/ninedata/signing';
import type { Sandbox } from '../../lib/local/sandbox';

export const SANDBOX_CREDENTIALS: Credentials = {
  accessKeyId: 'AK-sandbox',
  secretKey: 'sandbox-secret-1f2e3d',
};

export interface SandboxCall {
  method?: 'GET' | 'POST' | 'PUT';
  path: string;
  query?: Record<string, string>;
  body?: unknown;
  /** @default SANDBOX_CREDENTIALS */
  credentials?: Credentials;
  /** The time the request is signed at. */
  at: Date;
  /** Replace or remove (undefined) authentication headers. */
  headers?: Record<string, string | undefined>;
}

export interface SandboxAnswer {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed body; undefined when it is not JSON. */
  json: unknown;
}

export async function callSandbox(sandbox: Sandbox, call: SandboxCall): Promise<SandboxAnswer> {
  const signed: Record<string, string | undefined> = {
    ...authHeaders(call.path, call.credentials ?? SANDBOX_CREDENTIALS, call.at),
    ...call.headers,
  };
  const headers = Object.fromEntries(
    Object.entries(signed).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
  if (call.body !== undefined) headers['content-type'] = 'application/json';
  const query = call.query === undefined ? '' : `?${new URLSearchParams(call.query).toString()}`;
  const response = await fetch(`${sandbox.url}${call.path}${query}`, {
    method: call.method ?? (call.body === undefined ? 'GET' : 'POST'),
    headers,
    body: call.body === undefined ? undefined : JSON.stringify(call.body),
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** The `data` of a successful envelope; throws with NineData's message otherwise. */
export async function sandboxData(sandbox: Sandbox, call: SandboxCall): Promise<unknown> {
  const answer = await callSandbox(sandbox, call);
  const envelope = answer.json as { success?: boolean; data?: unknown; message?: string } | undefined;
  if (answer.status !== 200 || envelope?.success !== true) {
    throw new Error(`sandbox refused ${call.path}: HTTP ${answer.status} ${answer.text}`);
  }
  return envelope.data;
}
