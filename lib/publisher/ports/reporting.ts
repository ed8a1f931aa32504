/** The core's reporting ports: where events go and how progress is shown. Clock, sleep and logger are plain values in PublisherDeps. */
import type { OutgoingDetailType } from '../../contract.js';

export interface EventSink {
  publish(detailType: OutgoingDetailType, detail: Record<string, unknown>): Promise<void>;
}

/** Optional progress display (the CLI draws bars on a terminal, one per account); the Lambda passes none. */
export interface ProgressPort {
  start(total: number, label: string): void;
  increment(by?: number): void;
  stop(): void;
}

/** No progress display: the Lambda, tests, and work too short to show. */
export const NO_PROGRESS: ProgressPort = { start: () => undefined, increment: () => undefined, stop: () => undefined };
