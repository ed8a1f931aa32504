import cliProgress from 'cli-progress';

import type { ProgressPort } from '../publisher/ports.js';

/** Progress of long work (one ConnectWise request per company, batched writes): the core's port. */
export type Progress = ProgressPort;

export const NO_PROGRESS: Progress = { start: () => undefined, increment: () => undefined, stop: () => undefined };

interface Stream {
  write(text: string): unknown;
  isTTY?: boolean;
}

/**
 * A bar on stderr when stderr is a terminal and the output is not JSON; otherwise nothing, so
 * pipes, logs and `--json` stay clean.
 */
export function progressFor(stderr: Stream, json: boolean | undefined): Progress {
  if (json || !stderr.isTTY) return NO_PROGRESS;
  let bar: cliProgress.SingleBar | undefined;
  return {
    start(total, label) {
      bar?.stop();
      bar = new cliProgress.SingleBar(
        {
          stream: stderr as unknown as NodeJS.WritableStream,
          format: `${label} [{bar}] {value}/{total}`,
          clearOnComplete: true,
          hideCursor: true,
        },
        cliProgress.Presets.shades_classic,
      );
      bar.start(total, 0);
    },
    increment(by = 1) {
      bar?.increment(by);
    },
    stop() {
      bar?.stop();
      bar = undefined;
    },
  };
}
