import { randomUUID } from 'node:crypto';
import { HELD_RETIREMENT_PREFIX } from '../contract.js';
import { describeError } from '../errors.js';
import { runPublish } from '../publisher/run-publish.js';
import type { AccountSummary, ClientResult, ProgressPort } from '../publisher/ports/index.js';
import type { PageDeps } from './page-deps.js';

/** The preview's counts (contract v3: publish, retire, unchanged, failed, held retirements). */
export interface PreviewCounts {
  readonly publish: number;
  readonly retire: number;
  readonly unchanged: number;
  readonly failed: number;
  readonly held: number;
}

export interface PublishJob {
  readonly id: string;
  readonly accountId: string;
  readonly period: string;
  readonly allowMassRetire: boolean;
  state: 'running' | 'done' | 'failed';
  progress: { done: number; total: number; label: string };
  runId?: string;
  summary?: AccountSummary;
  /** The run could not start or stopped (invalid input, a table unreachable). */
  error?: string;
}

/** A held retirement: a client the mass-retirement guard failed instead of retiring (its reason's contract prefix). */
export function isHeldRetirement(r: ClientResult): boolean {
  return r.status === 'failed' && (r.reason?.startsWith(HELD_RETIREMENT_PREFIX) ?? false);
}

export function previewCounts(summary: AccountSummary): PreviewCounts {
  const held = summary.results.filter(isHeldRetirement).length;
  return {
    publish: summary.results.filter((r) => r.status === 'planned' && r.action !== 'retire').length,
    retire: summary.results.filter((r) => r.status === 'planned' && r.action === 'retire').length,
    unchanged: summary.unchanged,
    failed: summary.failed - held,
    held,
  };
}

/**
 * Publish from the page: the same `runPublish` as `cwpub publish --account A --period P` (same lock,
 * guards and outcomes). The preview is its dry run; a confirmed publish runs in the background with
 * progress, and its summary stays for the page to show. The person confirmed the retirements the
 * preview listed, so the core's retirement question is answered yes, as `--yes` does.
 */
export class PublishJobs {
  private readonly jobs = new Map<string, PublishJob>();

  constructor(private readonly deps: PageDeps) {}

  async preview(accountId: string, period: string): Promise<AccountSummary> {
    const summary = await runPublish({ accountId, period, dryRun: true }, this.deps);
    return summary.accounts[0]!;
  }

  start(accountId: string, period: string, allowMassRetire: boolean, onDone?: () => void): PublishJob {
    const job: PublishJob = {
      id: randomUUID(),
      accountId,
      period,
      allowMassRetire,
      state: 'running',
      progress: { done: 0, total: 0, label: 'starting' },
    };
    this.jobs.set(job.id, job);
    const progress: ProgressPort = {
      start: (total, label) => (job.progress = { done: 0, total, label }),
      increment: (by = 1) => (job.progress = { ...job.progress, done: job.progress.done + by }),
      stop: () => undefined,
    };
    runPublish(
      { accountId, period, dryRun: false, allowMassRetire, confirmRetirements: () => Promise.resolve(true) },
      { ...this.deps, progress: () => progress },
    ).then(
      (summary) => {
        job.runId = summary.runId;
        job.summary = summary.accounts[0];
        job.state = 'done';
        onDone?.();
      },
      (error: unknown) => {
        job.error = describeError(error);
        job.state = 'failed';
        onDone?.();
      },
    );
    return job;
  }

  get(id: string): PublishJob | undefined {
    return this.jobs.get(id);
  }

  /** Still publishing at exit: the lock is released by the lease; say how many. */
  running(): number {
    return [...this.jobs.values()].filter((j) => j.state === 'running').length;
  }
}
