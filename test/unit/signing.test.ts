import { describe, expect, it } from 'vitest';
import { authHeaders, formatTimestamp, sign } from '../../functions/ninedata/signing';

describe('sign', () => {
  // Expected digests computed independently with `printf '%s' '<path>/<secret>&<timestamp>' | sha256sum`.
  it.each([
    [
      '/openapi/v1/comparedata/queryTaskExecInfo',
      'secret-123',
      '2026-05-08T08:35:40Z',
      '17227dbd429b69846f6b5f613e6906b3dbabdd4d67eb49165880dd37c89b4f4a',
    ],
    [
      '/openapi/now',
      's3cr3t',
      '2026-12-03T16:00:00Z',
      '1d70b4d2ca851fff935d4cd27f9115d3189a4c52df01a8a3b67e9f5e571b172f',
    ],
    [
      '/openapi/v1/comparedata/execute',
      'ünïcode-key',
      '2026-01-01T00:00:00Z',
      '57b9d83ad193c5dad9d0caddc2f9e602df99a15ea89893bc538955894a972450',
    ],
  ])('signs %s with secret %s at %s', (path, secret, timestamp, expected) => {
    expect(sign(path, secret, timestamp)).toBe(expected);
  });

  it('changes when any part changes', () => {
    const base = sign('/openapi/now', 's3cr3t', '2026-12-03T16:00:00Z');
    expect(sign('/openapi/now', 's3cr3T', '2026-12-03T16:00:00Z')).not.toBe(base);
    expect(sign('/openapi/now', 's3cr3t', '2026-12-03T16:00:01Z')).not.toBe(base);
    expect(sign('/openapi/v1/now', 's3cr3t', '2026-12-03T16:00:00Z')).not.toBe(base);
  });
});

describe('formatTimestamp', () => {
  it('writes UTC seconds with a literal T and Z and no fraction', () => {
    expect(formatTimestamp(new Date('2026-05-08T08:35:40.987Z'))).toBe('2026-05-08T08:35:40Z');
  });
});

describe('authHeaders', () => {
  it('signs the same timestamp it sends', () => {
    const headers = authHeaders(
      '/openapi/v1/comparedata/queryTaskExecInfo',
      { accessKeyId: 'AK1', secretKey: 'secret-123' },
      new Date('2026-05-08T08:35:40.500Z'),
    );
    expect(headers).toEqual({
      'access-key-id': 'AK1',
      timestamp: '2026-05-08T08:35:40Z',
      signature: '17227dbd429b69846f6b5f613e6906b3dbabdd4d67eb49165880dd37c89b4f4a',
    });
  });
});
