/**
 * NineData credentials read from Secrets Manager by reference (the function gets only the secret's
 * ARN), cached for a few minutes so a rotated key is picked up without a redeploy.
 */

import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as z from 'zod';
import { NineDataAuthRejected } from '../ninedata/errors';
import type { Credentials } from '../ninedata/signing';

const PLACEHOLDER = 'REPLACE_ME';

const credentialsSchema = z.object({
  accessKeyId: z
    .string()
    .min(1)
    .refine((v) => v !== PLACEHOLDER),
  secretKey: z
    .string()
    .min(1)
    .refine((v) => v !== PLACEHOLDER),
});

/** The JSON a new stack's secret holds until an operator puts the real AccessKey in. */
export const PLACEHOLDER_CREDENTIALS = { accessKeyId: PLACEHOLDER, secretKey: PLACEHOLDER } as const;

export function secretCredentials(options: {
  secretArn: string;
  client?: SecretsManagerClient;
  maxAgeSeconds?: number;
}): () => Promise<Credentials> {
  return async () => {
    const value = await getSecret(options.secretArn, {
      maxAge: options.maxAgeSeconds ?? 300,
      ...(options.client ? { sdkClient: options.client } : {}),
    });
    let parsed: unknown;
    try {
      parsed = typeof value === 'string' ? JSON.parse(value) : undefined;
    } catch {
      parsed = undefined;
    }
    const result = credentialsSchema.safeParse(parsed);
    if (!result.success) {
      // Never echo the value: say only what shape is expected.
      throw new NineDataAuthRejected(
        'the NineData credentials secret does not hold {"accessKeyId": "…", "secretKey": "…"} with real values yet',
        { path: '', httpStatus: null, requestId: null },
      );
    }
    return result.data;
  };
}
