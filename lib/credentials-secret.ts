/**
 * The NineData credentials secret: created with a placeholder the functions refuse, or an existing
 * secret named by name or ARN. Functions receive only its ARN and read it at run time.
 */
import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import { type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { PLACEHOLDER_CREDENTIALS } from '../functions/adapters/secret-credentials';
import { COMPLETE_SECRET_ARN_SUFFIX, SECRET_ARN, SECRET_NAME } from './config';

export interface NineDataCredentialsProps {
  /**
   * Name, partial ARN or complete ARN of an existing secret holding
   * `{"accessKeyId": "…", "secretKey": "…"}`.
   * @default - a new secret with placeholder values
   */
  readonly existingSecret?: string | null;
  /**
   * What happens to a created secret when the stack is deleted.
   * @default RemovalPolicy.RETAIN, so the AccessKey an operator put in is not lost
   */
  readonly removalPolicy?: RemovalPolicy;
}

export class NineDataCredentials extends Construct {
  public readonly secret: ISecret;
  /** Whether this stack created the secret (false: an existing one was named). */
  public readonly created: boolean;

  constructor(scope: Construct, id: string, props: NineDataCredentialsProps = {}) {
    super(scope, id);
    const existing = props.existingSecret ?? null;
    this.created = existing === null;
    if (existing === null) {
      const secret = new Secret(this, 'Secret', {
        description: 'NineData AccessKey for compare-watch: replace the placeholder values',
        // Nothing secret in the template: a placeholder AccessKey ID and a random filler SecretKey,
        // both replaced by the operator (the functions refuse the placeholder with a clear error).
        generateSecretString: {
          secretStringTemplate: JSON.stringify({ accessKeyId: PLACEHOLDER_CREDENTIALS.accessKeyId }),
          generateStringKey: 'secretKey',
          excludePunctuation: true,
        },
        removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      });
      Validations.of(secret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason:
          'A NineData AccessKey is issued in the NineData console and has no API to rotate it, so a ' +
          'rotation Lambda could not produce a new key; operators rotate by put-secret-value ' +
          '(the functions re-read the secret within 5 minutes).',
      });
      this.secret = secret;
    } else if (existing.startsWith('arn:')) {
      if (!SECRET_ARN.test(existing)) throw new Error(`not a secret ARN: ${existing}`);
      // Without the random suffix the ARN is partial: grants then match `<arn>-??????`.
      this.secret = COMPLETE_SECRET_ARN_SUFFIX.test(existing)
        ? Secret.fromSecretCompleteArn(this, 'Secret', existing)
        : Secret.fromSecretPartialArn(this, 'Secret', existing);
    } else {
      if (!SECRET_NAME.test(existing)) throw new Error(`not a secret name: ${existing}`);
      this.secret = Secret.fromSecretNameV2(this, 'Secret', existing);
    }
  }

  /** GetSecretValue and DescribeSecret on this one secret. */
  grantRead(grantee: IGrantable): void {
    this.secret.grantRead(grantee);
  }
}
