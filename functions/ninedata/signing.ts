/**
 * NineData request signing (NINEDATA.md, Authentication): lower-case hex SHA-256 — a plain
 * digest, not an HMAC — of `<path>/<SecretKey>&<timestamp>`. Path alone: no host, no query.
 */
import { createHash } from 'node:crypto';

/** `yyyy-MM-ddTHH:mm:ssZ`: UTC, literal T and Z, no fraction. */
export function formatTimestamp(at: Date): string {
  return `${at.toISOString().slice(0, 19)}Z`;
}

export function sign(path: string, secretKey: string, timestamp: string): string {
  return createHash('sha256').update(`${path}/${secretKey}&${timestamp}`, 'utf8').digest('hex');
}

export interface Credentials {
  accessKeyId: string;
  secretKey: string;
}

/** The three authentication headers of one request. */
export function authHeaders(
  path: string,
  credentials: Credentials,
  at: Date,
): { 'access-key-id': string; timestamp: string; signature: string } {
  const timestamp = formatTimestamp(at);
  return {
    'access-key-id': credentials.accessKeyId,
    timestamp,
    signature: sign(path, credentials.secretKey, timestamp),
  };
}
