/**
 * Fault injection. Each fault matches requests by method and path (the path relative to
 * .../apis/3.0/, e.g. 'company/configurations' or a RegExp such as /^company\/configurations\/\d+$/;
 * for non-API requests the path without its leading slash, e.g. 'login/companyinfo/acme')
 * and fires `times` times (default 1; Infinity for always). Faults are consumed in the order
 * they were added; a request triggers at most one fault.
 */
export interface FaultMatch {
  /** HTTP method (case-insensitive); any method when omitted. */
  method?: string;
  /** Exact relative path, or a RegExp tested against it; any path when omitted. */
  path?: string | RegExp;
  /** How many matching requests the fault applies to (default 1). */
  times?: number;
}

export type FaultKind =
  | 'rateLimit'
  | 'serverError'
  | 'dropBeforeProcessing'
  | 'dropAfterCommit'
  | 'unreadableAfterCommit'
  | 'hook'
  | 'delay'
  | 'echoAuthorization'
  | 'redirect';

export interface ActiveFault {
  readonly kind: FaultKind;
  readonly method?: string;
  readonly path?: string | RegExp;
  /** Matching requests left. */
  remaining: number;
  /** rateLimit: Retry-After seconds. */
  readonly retryAfterSeconds?: number;
  /** serverError, echoAuthorization, redirect: status. */
  readonly status?: number;
  /** echoAuthorization: JSON error body or plain text. */
  readonly format?: 'json' | 'text';
  /** redirect: Location (default: this simulator's `/__redirected/<path>`). */
  readonly location?: string;
  /** delay: milliseconds. */
  readonly ms?: number;
  /** unreadableAfterCommit: what the 200 carries instead of the record. */
  readonly body?: 'html' | 'empty';
  /** hook: run before the request is processed (tests change the site meanwhile, or pause it). */
  readonly run?: () => void | Promise<void>;
}

export interface SimulatorFaults {
  /** 429 with `Retry-After` and ConnectWise's throttling body; the request is not processed. */
  rateLimit(options?: FaultMatch & { retryAfterSeconds?: number }): void;
  /** A 5xx (default 500) with a ConnectWise error body; the request is not processed. */
  serverError(options?: FaultMatch & { status?: number }): void;
  /** Destroys the socket without processing the request. */
  dropBeforeProcessing(options?: FaultMatch): void;
  /** Processes the request (a write IS saved), then destroys the socket without answering. */
  dropAfterCommit(options?: FaultMatch): void;
  /**
   * Processes the request (a write IS saved), then answers 200 with what a proxy or a broken gateway
   * might send instead of the record: an HTML page (default) or an empty body.
   */
  unreadableAfterCommit(options?: FaultMatch & { body?: 'html' | 'empty' }): void;
  /**
   * Runs `run` (awaited) when a matching request arrives, before it is processed: a test changes the
   * site between two pages of a listing, or holds a request while something else happens.
   */
  hook(options: FaultMatch & { run: () => void | Promise<void> }): void;
  /** Waits `ms`, then processes and answers (the write happens even if the client gave up). */
  delay(options: FaultMatch & { ms: number }): void;
  /**
   * An error (default 500) whose text echoes the request's Authorization header, its decoded
   * `companyId+publicKey:privateKey` and the clientId header verbatim, as some proxies do:
   * `format: 'json'` (default) in `message` and `errors[].message`, `'text'` as text/plain.
   * The request is not processed.
   */
  echoAuthorization(options?: FaultMatch & { status?: number; format?: 'json' | 'text' }): void;
  /**
   * A 3xx (default 302) with a Location, not processed. The default Location is this
   * simulator's `/__redirected/<path>?<query>`, which records every request that follows it
   * in `sim.redirectsFollowed` (the product must not follow redirects).
   */
  redirect(options?: FaultMatch & { status?: number; location?: string }): void;
  /** Removes every pending fault. */
  clear(): void;
  /** Faults still pending (remaining > 0), in order. */
  readonly pending: readonly ActiveFault[];
}

export class FaultRegistry implements SimulatorFaults {
  private faults: ActiveFault[] = [];

  get pending(): readonly ActiveFault[] {
    return this.faults.filter((f) => f.remaining > 0);
  }

  rateLimit(options: FaultMatch & { retryAfterSeconds?: number } = {}): void {
    const retryAfterSeconds = options.retryAfterSeconds ?? 1;
    if (!Number.isInteger(retryAfterSeconds) || retryAfterSeconds < 0)
      throw new Error('retryAfterSeconds must be a non-negative integer');
    this.add('rateLimit', options, { retryAfterSeconds });
  }

  serverError(options: FaultMatch & { status?: number } = {}): void {
    const status = options.status ?? 500;
    if (!Number.isInteger(status) || status < 500 || status > 599) throw new Error('serverError status must be 5xx');
    this.add('serverError', options, { status });
  }

  dropBeforeProcessing(options: FaultMatch = {}): void {
    this.add('dropBeforeProcessing', options, {});
  }

  dropAfterCommit(options: FaultMatch = {}): void {
    this.add('dropAfterCommit', options, {});
  }

  unreadableAfterCommit(options: FaultMatch & { body?: 'html' | 'empty' } = {}): void {
    const body = options.body ?? 'html';
    if (body !== 'html' && body !== 'empty') throw new Error("unreadableAfterCommit body must be 'html' or 'empty'");
    this.add('unreadableAfterCommit', options, { body });
  }

  hook(options: FaultMatch & { run: () => void | Promise<void> }): void {
    if (typeof options.run !== 'function') throw new Error('hook needs run()');
    this.add('hook', options, { run: options.run });
  }

  delay(options: FaultMatch & { ms: number }): void {
    if (!Number.isFinite(options.ms) || options.ms < 0) throw new Error('delay needs ms >= 0');
    this.add('delay', options, { ms: options.ms });
  }

  echoAuthorization(options: FaultMatch & { status?: number; format?: 'json' | 'text' } = {}): void {
    const status = options.status ?? 500;
    if (!Number.isInteger(status) || status < 400 || status > 599)
      throw new Error('echoAuthorization status must be 4xx or 5xx');
    const format = options.format ?? 'json';
    if (format !== 'json' && format !== 'text') throw new Error("echoAuthorization format must be 'json' or 'text'");
    this.add('echoAuthorization', options, { status, format });
  }

  redirect(options: FaultMatch & { status?: number; location?: string } = {}): void {
    const status = options.status ?? 302;
    if (![301, 302, 303, 307, 308].includes(status))
      throw new Error('redirect status must be 301, 302, 303, 307 or 308');
    if (options.location !== undefined && options.location.trim() === '')
      throw new Error('redirect location must not be empty');
    this.add('redirect', options, options.location === undefined ? { status } : { status, location: options.location });
  }

  clear(): void {
    this.faults = [];
  }

  /** Finds and consumes the first pending fault matching the request. */
  take(method: string, path: string): ActiveFault | undefined {
    for (const fault of this.faults) {
      if (fault.remaining <= 0) continue;
      if (fault.method !== undefined && fault.method.toUpperCase() !== method.toUpperCase()) continue;
      if (fault.path !== undefined) {
        if (fault.path instanceof RegExp) fault.path.lastIndex = 0;
        const hit = typeof fault.path === 'string' ? fault.path.replace(/^\//, '') === path : fault.path.test(path);
        if (!hit) continue;
      }
      fault.remaining--;
      return fault;
    }
    return undefined;
  }

  private add(
    kind: FaultKind,
    match: FaultMatch,
    extra: {
      retryAfterSeconds?: number;
      status?: number;
      ms?: number;
      format?: 'json' | 'text';
      location?: string;
      body?: 'html' | 'empty';
      run?: () => void | Promise<void>;
    },
  ): void {
    const times = match.times ?? 1;
    if (!(times >= 1)) throw new Error('times must be >= 1');
    const fault: ActiveFault = { kind, remaining: times, ...extra };
    if (match.method !== undefined) Object.assign(fault, { method: match.method });
    if (match.path !== undefined) Object.assign(fault, { path: match.path });
    this.faults.push(fault);
  }
}
