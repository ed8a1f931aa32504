import cliProgress from 'cli-progress';

import type { ProgressPort } from '../publisher/ports/index.js';

import { NO_PROGRESS } from '../publisher/ports/reporting.js';

export { NO_PROGRESS };

/** Progress of long work (one ConnectWise request per company, batched writes): the core's port. */
export type Progress = ProgressPort;

interface Stream {
  write(text: string): unknown;
  isTTY?: boolean;
}

/**
 * Progress bars on stderr, one per piece of work running at once (an account of a parallel publish,
 * or the one task of doctor/verify/import). Drawn only on a terminal and not for `--json`, so pipes,
 * logs and JSON stay clean. Log lines written through `log` appear above the bars instead of tearing
 * them.
 */
export class ProgressBoard {
  private readonly multi: cliProgress.MultiBar | undefined;
  private active = 0;

  constructor(
    private readonly stderr: Stream,
    enabled: boolean,
  ) {
    this.multi = enabled
      ? new cliProgress.MultiBar(
          {
            stream: stderr as unknown as NodeJS.WritableStream,
            format: '{name}[{bar}] {value}/{total}',
            clearOnComplete: true,
            hideCursor: true,
            autopadding: true,
            barsize: 30,
          },
          cliProgress.Presets.shades_classic,
        )
      : undefined;
  }

  /** A bar for one piece of work; `prefix` (an account id) leads its label. */
  port(prefix = ''): Progress {
    const multi = this.multi;
    if (!multi) return NO_PROGRESS;
    let bar: cliProgress.SingleBar | undefined;
    const close = () => {
      if (!bar) return;
      multi.remove(bar);
      bar = undefined;
      if (--this.active === 0) multi.stop();
    };
    return {
      start: (total, label) => {
        close();
        this.active++;
        // The core's labels may already name the account.
        const name = prefix && !label.includes(prefix) ? `${prefix} · ${label}` : label;
        bar = multi.create(total, 0, { name: `${name} ` });
      },
      increment: (by = 1) => {
        bar?.increment(by);
      },
      stop: close,
    };
  }

  /** One line for people; above the bars while any is drawn. */
  log(line: string): void {
    const text = line.endsWith('\n') ? line : `${line}\n`;
    if (this.multi && this.active > 0) this.multi.log(text);
    else this.stderr.write(text);
  }

  /** Clears every bar (also after an error), so the result starts on a clean line. */
  stop(): void {
    if (this.multi && this.active > 0) {
      this.active = 0;
      this.multi.stop();
    }
  }
}

/** A single bar on stderr when it is a terminal and the output is not JSON; otherwise nothing. */
export function progressFor(stderr: Stream, json: boolean | undefined): Progress {
  return new ProgressBoard(stderr, !json && stderr.isTTY === true).port();
}
