/**
 * The results topic: one message per run outcome, encrypted at rest with a customer-managed key
 * (so CloudWatch alarms may publish to topics sharing it), reachable over TLS only, with optional
 * e-mail subscriptions.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';

export interface ResultsTopicProps {
  /** Addresses subscribed without a filter policy (they confirm by e-mail). @default none */
  readonly emails?: readonly string[];
}

export class ResultsTopic extends Construct {
  /** Encrypts this topic (and the alarm topic) at rest; rotated yearly. */
  public readonly key: Key;
  public readonly topic: Topic;

  constructor(scope: Construct, id: string, props: ResultsTopicProps = {}) {
    super(scope, id);
    this.key = new Key(this, 'Key', {
      description: 'Encrypts compare-watch topic messages (results, alarms) at rest',
      enableKeyRotation: true,
      // A topic keeps messages only until delivered: nothing outlives the stack that this key must open.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.topic = new Topic(this, 'Topic', {
      displayName: 'compare-watch results',
      masterKey: this.key,
      enforceSSL: true,
    });
    for (const email of props.emails ?? []) this.topic.addSubscription(new EmailSubscription(email));
  }

  /**
   * Publish rights and what SNS server-side encryption needs of a publisher: a data key for the
   * message and Decrypt for it, on this topic's key only. Exact actions, no `GenerateDataKey*`.
   */
  grantPublish(grantee: IGrantable): void {
    Grant.addToPrincipal({ grantee, actions: ['sns:Publish'], resourceArns: [this.topic.topicArn] });
    Grant.addToPrincipal({
      grantee,
      actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
      resourceArns: [this.key.keyArn],
    });
  }
}
