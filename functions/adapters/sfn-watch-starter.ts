import { ExecutionAlreadyExists, type SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { WatchStarter, WatchState } from '../core/ports';

/**
 * Starts watch executions in Step Functions. The execution name is the idempotency key: starting a
 * running name again with the same input is a no-op for Step Functions, and a name that already
 * exists (the same watch, started before) counts as started.
 */
export class SfnWatchStarter implements WatchStarter {
  constructor(
    private readonly client: SFNClient,
    private readonly stateMachineArn: string,
  ) {}

  async start(executionName: string, state: WatchState): Promise<void> {
    try {
      await this.client.send(
        new StartExecutionCommand({
          stateMachineArn: this.stateMachineArn,
          name: executionName,
          input: JSON.stringify(state),
        }),
      );
    } catch (error) {
      if (error instanceof ExecutionAlreadyExists) return;
      throw error;
    }
  }
}
