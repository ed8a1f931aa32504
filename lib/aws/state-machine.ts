import { ExecutionAlreadyExists, StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';

/** Starts the publish state machine (the monthly schedule's fan-out). */
export interface ExecutionStarter {
  /** Starts an execution named `name`; a second start of the same name is harmless. */
  start(name: string, input: Record<string, unknown>): Promise<'started' | 'already-started'>;
}

export class StepFunctionsStarter implements ExecutionStarter {
  constructor(
    private readonly client: SFNClient,
    private readonly stateMachineArn: string,
  ) {}

  async start(name: string, input: Record<string, unknown>): Promise<'started' | 'already-started'> {
    try {
      await this.client.send(
        new StartExecutionCommand({ stateMachineArn: this.stateMachineArn, name, input: JSON.stringify(input) }),
      );
      return 'started';
    } catch (error) {
      // Same name (the same month's schedule delivered twice): that execution runs, or ran, already.
      if (error instanceof ExecutionAlreadyExists || (error as Error).name === 'ExecutionAlreadyExists')
        return 'already-started';
      throw error;
    }
  }
}

/** Execution names allow letters, digits, - and _ (1–80); the month makes a duplicate start harmless. */
export function scheduledExecutionName(period: string): string {
  return `scheduled-${period}`;
}
