import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { PublishedMessage, ResultPublisher } from '../core/ports';

/** Publishes result messages to the results topic, attributes included for filter policies. */
export class SnsResultPublisher implements ResultPublisher {
  constructor(
    private readonly client: SNSClient,
    private readonly topicArn: string,
  ) {}

  async publish(message: PublishedMessage): Promise<void> {
    await this.client.send(
      new PublishCommand({
        TopicArn: this.topicArn,
        Subject: message.subject,
        Message: message.body,
        MessageAttributes: snsAttributes(message.attributes),
      }),
    );
  }
}

export interface SnsAttribute {
  DataType: 'String' | 'Number';
  StringValue: string;
}

/** Message attributes as SNS takes and delivers them (local mode writes the same form). */
export function snsAttributes(attributes: PublishedMessage['attributes']): Record<string, SnsAttribute> {
  return Object.fromEntries(
    Object.entries(attributes).map(([name, { type, value }]) => [
      name,
      { DataType: type, StringValue: value },
    ]),
  );
}
