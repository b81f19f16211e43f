/**
 * The sandbox's check of NineData's three authentication headers (NINEDATA.md, Authentication).
 * Failures are answered the way this sandbox models NineData: HTTP 200, `success: false` and one of
 * the messages below.
 */
import { type Credentials, sign } from '../../../functions/ninedata/signing';

export const AUTH_MESSAGES = {
  missingHeaders: 'missing authentication headers',
  unknownKey: 'access key not found',
  badTimestamp: 'timestamp invalid',
  expiredTimestamp: 'timestamp expired',
  badSignature: 'signature mismatch',
} as const;

const WINDOW_MS = 10 * 60 * 1000;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

export interface AuthCheck {
  /** The API path, as signed. */
  path: string;
  headers: Record<string, string>;
  credentials: Credentials;
  serverNow: Date;
  /** Whether the timestamp must be within 10 minutes of `serverNow`. */
  checkWindow: boolean;
}

/** Null when the request is authentic; otherwise the message NineData answers. */
export function authProblem(check: AuthCheck): string | null {
  const keyId = check.headers['access-key-id'];
  const timestamp = check.headers.timestamp;
  const signature = check.headers.signature;
  if (keyId === undefined || timestamp === undefined || signature === undefined)
    return AUTH_MESSAGES.missingHeaders;
  if (keyId !== check.credentials.accessKeyId) return AUTH_MESSAGES.unknownKey;
  if (!TIMESTAMP.test(timestamp) || Number.isNaN(Date.parse(timestamp))) return AUTH_MESSAGES.badTimestamp;
  if (check.checkWindow && Math.abs(Date.parse(timestamp) - check.serverNow.getTime()) > WINDOW_MS) {
    return AUTH_MESSAGES.expiredTimestamp;
  }
  if (signature !== sign(check.path, check.credentials.secretKey, timestamp))
    return AUTH_MESSAGES.badSignature;
  return null;
}
