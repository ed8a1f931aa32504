import PQueue from 'p-queue';
import { RunDeadlineError } from '../errors.js';

/**
 * One request governor per ConnectWise site and company (the budget is the MSP's: many cloud MSPs
 * share one API host), shared by every connection in the process. It bounds request *starts* in any
 * rolling window (p-queue's strict sliding window, not a fixed window that allows twice the rate at a
 * boundary), requests in flight, and pauses everything after a 429 until its `Retry-After` has passed.
 * Every HTTP attempt, retries included, is one job.
 */

export interface GovernorBudget {
  /** Request starts allowed in any rolling window. */
  readonly requestsPerMinute: number;
  /** Requests in flight at once. */
  readonly concurrency: number;
  /** The rolling window; 60 s except in tests. */
  readonly windowMs?: number;
}

export interface GovernorJobOptions {
  /** Epoch ms: a job still waiting then (or behind a pause that lasts past it) fails with RunDeadlineError. */
  readonly deadlineAt?: number | undefined;
  /** Higher starts first; retries use it so work already under way finishes before new work begins. */
  readonly priority?: number;
}

interface Waiter {
  readonly job: () => Promise<void>;
  readonly priority: number;
  readonly deadlineAt: number | undefined;
  readonly fail: (error: Error) => void;
  timer: NodeJS.Timeout | undefined;
  /** Removes the waiter from the queue it is waiting in (without settling it). */
  withdraw: AbortController;
}

const WINDOW_MS = 60_000;
/**
 * The window enforced is 1/60 longer than the one promised (1 s a minute): a request reaches the wire a
 * moment after its job starts (socket, TLS), and ConnectWise counts what arrives, not what we started.
 */
const GUARD_FRACTION = 1 / 60;
/** Placeholder jobs that carry the old queue's usage into a new one go before everything else. */
const TOP_PRIORITY = Number.MAX_SAFE_INTEGER;

export class SiteGovernor {
  private queue: PQueue;
  private requestsPerWindow: number;
  private concurrency: number;
  readonly windowMs: number;
  private resumeAt = 0;
  private resumeTimer: NodeJS.Timeout | undefined;
  private readonly waiting = new Set<Waiter>();
  /** Start times within the last window: carried into a new queue when the budget is lowered. */
  private readonly recentStarts: number[] = [];

  constructor(
    readonly label: string,
    budget: GovernorBudget,
  ) {
    this.windowMs = budget.windowMs ?? WINDOW_MS;
    this.requestsPerWindow = positiveInteger(budget.requestsPerMinute, 'requestsPerMinute');
    this.concurrency = positiveInteger(budget.concurrency, 'concurrency');
    this.queue = this.newQueue();
  }

  /** The budget in force (the lowest any connection asked for). */
  get budget(): { requestsPerMinute: number; concurrency: number } {
    return { requestsPerMinute: this.requestsPerWindow, concurrency: this.concurrency };
  }

  /** Epoch ms until which nothing is sent (0 when not paused). */
  get pausedUntil(): number {
    return this.resumeAt > Date.now() ? this.resumeAt : 0;
  }

  /** Runs `fn` as one request start under the site's budget. */
  run<T>(fn: () => Promise<T>, options: GovernorJobOptions = {}): Promise<T> {
    const { deadlineAt, priority = 0 } = options;
    const now = Date.now();
    if (deadlineAt !== undefined && (now >= deadlineAt || this.resumeAt > deadlineAt)) {
      return Promise.reject(this.deadlineError(deadlineAt));
    }
    return new Promise<T>((resolve, reject) => {
      const waiter: Waiter = {
        job: () => fn().then(resolve, reject),
        priority,
        deadlineAt,
        fail: reject,
        timer: undefined,
        withdraw: new AbortController(),
      };
      if (deadlineAt !== undefined) {
        waiter.timer = setTimeout(() => this.fail(waiter, this.deadlineError(deadlineAt)), deadlineAt - now);
      }
      this.waiting.add(waiter);
      // Someone is waiting for the pause to end: keep the process alive for it.
      this.resumeTimer?.ref();
      this.enqueue(waiter);
    });
  }

  /**
   * Sends nothing more until `ms` from now (a 429's Retry-After). A later pause extends it, a shorter one
   * changes nothing. Jobs whose deadline falls inside the pause fail now rather than at their deadline.
   */
  pauseFor(ms: number): number {
    const until = Date.now() + Math.max(0, ms);
    if (until <= this.resumeAt) return this.resumeAt;
    this.resumeAt = until;
    this.queue.pause();
    clearTimeout(this.resumeTimer);
    this.resumeTimer = setTimeout(() => {
      this.resumeTimer = undefined;
      this.queue.start();
    }, until - Date.now());
    // With nobody waiting, a pause must not keep the process (the CLI) alive by itself.
    if (this.waiting.size === 0) this.resumeTimer.unref();
    for (const waiter of [...this.waiting]) {
      if (waiter.deadlineAt !== undefined && waiter.deadlineAt < until)
        this.fail(waiter, this.deadlineError(waiter.deadlineAt));
    }
    return until;
  }

  /**
   * Applies a lower budget (another account on the same site and company asked for less). A lower
   * concurrency applies at once; a lower rate moves the waiting jobs to a new queue whose window starts
   * with what the current window already used, so the rolling bound holds across the change.
   */
  tighten(budget: GovernorBudget): void {
    const concurrency = Math.min(this.concurrency, positiveInteger(budget.concurrency, 'concurrency'));
    const rate = positiveInteger(budget.requestsPerMinute, 'requestsPerMinute');
    if (concurrency < this.concurrency) {
      this.concurrency = concurrency;
      this.queue.concurrency = concurrency;
    }
    if (rate >= this.requestsPerWindow) return;
    this.requestsPerWindow = rate;
    const previous = this.queue;
    this.queue = this.newQueue();
    // Slots taken by requests still in flight in the old queue, held until they all finish.
    const inFlight = previous.pending;
    const held = previous.onPendingZero();
    for (let i = 0; i < inFlight; i++) void this.queue.add(() => held, { priority: TOP_PRIORITY });
    // Starts in the current window count against the new budget (as starts now: on the safe side).
    this.trimStarts(Date.now());
    for (let i = inFlight; i < Math.min(rate, this.recentStarts.length); i++)
      void this.queue.add(async () => undefined, { priority: TOP_PRIORITY });
    previous.pause();
    for (const waiter of this.waiting) {
      waiter.withdraw.abort();
      this.enqueue(waiter);
    }
  }

  private newQueue(): PQueue {
    return new PQueue({
      concurrency: this.concurrency,
      ...evenPacing(this.requestsPerWindow, this.windowMs),
      strict: true,
      autoStart: this.resumeAt <= Date.now(),
    });
  }

  private enqueue(waiter: Waiter): void {
    waiter.withdraw = new AbortController();
    this.queue
      .add(
        () => {
          this.waiting.delete(waiter);
          clearTimeout(waiter.timer);
          const now = Date.now();
          this.trimStarts(now);
          this.recentStarts.push(now);
          return waiter.job();
        },
        { priority: waiter.priority, signal: waiter.withdraw.signal },
      )
      // Rejects only when withdrawn from this queue: the waiter was moved or has already failed.
      .catch(() => undefined);
  }

  private fail(waiter: Waiter, error: Error): void {
    if (!this.waiting.delete(waiter)) return;
    clearTimeout(waiter.timer);
    waiter.withdraw.abort();
    if (this.waiting.size === 0) this.resumeTimer?.unref();
    waiter.fail(error);
  }

  private trimStarts(now: number): void {
    const window = this.windowMs + Math.ceil(this.windowMs * GUARD_FRACTION);
    while (this.recentStarts.length > 0 && now - (this.recentStarts[0] ?? now) >= window) this.recentStarts.shift();
  }

  private deadlineError(deadlineAt: number): RunDeadlineError {
    const paused = this.resumeAt > Date.now();
    const deadline = `the run's deadline (${new Date(deadlineAt).toISOString()})`;
    return new RunDeadlineError(
      paused
        ? `${deadline} comes before ConnectWise at ${this.label} accepts requests again ` +
            `(rate limited until ${new Date(this.resumeAt).toISOString()})`
        : `${deadline} came while a request to ConnectWise at ${this.label} was waiting for its turn`,
    );
  }
}

/**
 * Contract v3 "even pacing": the budget spent evenly, one request start at a time, spaced so that no
 * second holds more than requestsPerMinute ÷ 60 (at least 1) and no window more than requestsPerMinute
 * (both with the guard above). Evenly spaced starts, not bursts at each second's start, also keep a
 * per-second throttle content when answers arrive a little early or late. `windowMs` stands for a minute.
 */
export function evenPacing(
  requestsPerMinute: number,
  windowMs: number = WINDOW_MS,
): { intervalCap: number; interval: number } {
  const perSecond = Math.max(1, Math.floor(requestsPerMinute / 60));
  const spacing = Math.max(windowMs / requestsPerMinute, windowMs / 60 / perSecond);
  return { intervalCap: 1, interval: Math.ceil(spacing * (1 + GUARD_FRACTION)) };
}

/** The process-wide governors, one per site origin + companyId. */
export class SiteGovernorRegistry {
  private readonly governors = new Map<string, SiteGovernor>();

  /** The governor for the site and company; a second connection with a lower budget lowers it for both. */
  acquire(origin: string, companyId: string, budget: GovernorBudget): SiteGovernor {
    const key = `${origin.toLowerCase()}|${companyId.trim().toLowerCase()}`;
    const existing = this.governors.get(key);
    if (existing) {
      existing.tighten(budget);
      return existing;
    }
    const governor = new SiteGovernor(new URL(origin).host, budget);
    this.governors.set(key, governor);
    return governor;
  }
}

export const siteGovernors = new SiteGovernorRegistry();

function positiveInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1)
    throw new RangeError(`${name} must be a whole number of at least 1 (got ${value})`);
  return value;
}
