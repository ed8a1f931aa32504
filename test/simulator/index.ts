/**
 * A strict ConnectWise PSA (Manage) REST API 3.0 simulator for tests, demos and benchmarks.
 * See README.md beside this file for the model and its switches.
 *
 *   const sim = await startSimulator();
 *   const setup = sim.seed.backupBillingSetup();
 *   sim.seed.backupClient(setup, { identifier: 'Contoso', name: 'Contoso Ltd', managedId: 'M-1' });
 *   // secret: { site: sim.url, ...sim.credentials, codebase: sim.codebase }
 *   await sim.close();
 */
import { loadOpenApi } from './openapi.js';
import type { SimulatorSeed } from './seed.js';
import { createSeed } from './seed.js';
import type { FollowedRedirect, RecordedRequest } from './server.js';
import { SimulatorServer } from './server.js';
import { SimulatorState } from './state.js';
import type { FaultKind, SimulatorFaults } from './faults.js';
import type { BilledAddition } from './state.js';
import type { RateLimitOptions, RateLimitViolation } from './rate-limit.js';
import { maxInAnyWindow } from './rate-limit.js';

export interface SimulatorOptions {
  /** ConnectWise company id (login company). Default 'acme'. */
  companyId?: string;
  /** API member public key. Default 'pubkey123'. */
  publicKey?: string;
  /** API member private key. Default 'privkey456'. */
  privateKey?: string;
  /** The integration's clientId GUID (required header). Default '11111111-2222-3333-4444-555555555555'. */
  clientId?: string;
  /** Codebase with its trailing slash. Default 'v2025_1/'. */
  codebase?: string;
  /** Added before answering every request. Default 0. */
  latencyMs?: number;
  /** Default '127.0.0.1'. */
  host?: string;
  /** Default 0 (ephemeral). */
  port?: number;
  /** The site's throttle from the start (see setRateLimit). Default: none (Retry-After is still enforced). */
  rateLimit?: RateLimitOptions;
  /** Milliseconds clock for request times, the throttle and Retry-After. Default Date.now. */
  clock?: () => number;
}

/** Selects recorded requests: every given criterion must hold. */
export interface RequestFilter {
  /** Case-insensitive. */
  method?: string;
  /** Exact relative path (leading '/' ignored) or a RegExp tested against it. */
  path?: string | RegExp;
  /** Status answered (0 = dropped before an answer). */
  status?: number;
  /** Only requests that carried this fault / were throttled. */
  fault?: FaultKind;
}

export interface Simulator {
  /** Origin, e.g. 'http://127.0.0.1:43123' (use it as the secret's `site`). */
  readonly url: string;
  readonly credentials: { companyId: string; publicKey: string; privateKey: string; clientId: string };
  /** e.g. 'v2025_1/' (with the trailing slash, as companyinfo answers it). */
  readonly codebase: string;
  /** The in-memory model, directly readable and mutable by tests. */
  readonly state: SimulatorState;
  readonly seed: SimulatorSeed;
  readonly faults: SimulatorFaults;
  /** Every request received, in arrival order. */
  readonly requests: RecordedRequest[];
  /** What is billed now: the additions that are not cancelled, with company and configurations (see state.billing()). */
  billing(): BilledAddition[];
  setLatency(ms: number): void;
  /**
   * The site's throttle: 429 (Retry-After, ConnectWise's body) once more than
   * `requestsPerMinute` requests were admitted in the trailing 60 s; `null` removes it.
   * Retry-After is enforced whatever the limit: see `violations`.
   */
  setRateLimit(options: (RateLimitOptions & { toleranceMs?: number }) | null): void;
  /**
   * Requests that arrived before the Retry-After of a 429 had elapsed (each was answered 429
   * again). A product that honours Retry-After site-wide leaves this empty.
   */
  readonly violations: readonly RateLimitViolation[];
  /** Requests that followed a `faults.redirect` to `/__redirected/...` (the product must never follow one). */
  readonly redirectsFollowed: readonly FollowedRedirect[];
  /** The most requests (every request, login/companyinfo included) that arrived within any `windowMs`. */
  maxRequestsInAnyWindow(windowMs: number): number;
  /** Recorded requests matching the filter, in arrival order. */
  requestsMatching(filter?: RequestFilter): RecordedRequest[];
  /** How many recorded requests match, e.g. `countRequests({ method: 'GET', path: /managementSummaryReports/ })`. */
  countRequests(filter?: RequestFilter): number;
  /** Ids of the companies whose Management tab (managementSummaryReports, list/count/one) was read, ascending, each once. */
  managementTabsRead(): number[];
  /** Clears `requests`, `violations`, `redirectsFollowed`, the throttle's window and pending Retry-Afters. */
  resetRequests(): void;
  close(): Promise<void>;
}

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const codebaseOption = options.codebase ?? 'v2025_1/';
  const codebase = codebaseOption.endsWith('/') ? codebaseOption : `${codebaseOption}/`;
  if (!/^[A-Za-z0-9_.-]+\/$/.test(codebase)) throw new Error(`invalid codebase '${codebaseOption}'`);
  const credentials = {
    companyId: options.companyId ?? 'acme',
    publicKey: options.publicKey ?? 'pubkey123',
    privateKey: options.privateKey ?? 'privkey456',
    clientId: options.clientId ?? '11111111-2222-3333-4444-555555555555',
  };
  const latency = options.latencyMs ?? 0;
  if (!(latency >= 0)) throw new Error('latencyMs must be >= 0');
  const api = loadOpenApi();
  const state = new SimulatorState();
  const server = new SimulatorServer(
    state,
    api,
    { ...credentials, codebase, companyName: `${credentials.companyId} (simulated)` },
    latency,
  );
  if (options.clock) server.clock = options.clock;
  if (options.rateLimit) server.limiter.setLimit(options.rateLimit);
  await server.listen(options.host ?? '127.0.0.1', options.port ?? 0);
  const seed = createSeed(state, api);

  return {
    url: server.origin,
    credentials,
    codebase,
    state,
    seed,
    faults: server.faults,
    requests: server.requests,
    billing() {
      return state.billing();
    },
    setLatency(ms: number) {
      if (!(ms >= 0)) throw new Error('latency must be >= 0');
      server.latencyMs = ms;
    },
    setRateLimit(limit) {
      if (limit === null) {
        server.limiter.setLimit(null);
        return;
      }
      const { toleranceMs, ...window } = limit;
      if (toleranceMs !== undefined) {
        if (!(toleranceMs >= 0)) throw new Error('toleranceMs must be >= 0');
        server.limiter.toleranceMs = toleranceMs;
      }
      server.limiter.setLimit(window);
    },
    violations: server.limiter.violations,
    redirectsFollowed: server.redirectsFollowed,
    maxRequestsInAnyWindow(windowMs: number) {
      return maxInAnyWindow(
        server.requests.map((r) => r.at),
        windowMs,
      );
    },
    requestsMatching(filter = {}) {
      return server.requests.filter((r) => matchesRequest(r, filter));
    },
    countRequests(filter = {}) {
      return server.requests.reduce((n, r) => n + (matchesRequest(r, filter) ? 1 : 0), 0);
    },
    managementTabsRead() {
      const ids = new Set<number>();
      for (const r of server.requests) {
        const m = /^company\/companies\/(\d+)\/managementSummaryReports(?:\/|$)/.exec(r.path);
        if (r.method === 'GET' && m?.[1]) ids.add(Number(m[1]));
      }
      return [...ids].sort((a, b) => a - b);
    },
    resetRequests() {
      server.requests.length = 0;
      server.redirectsFollowed.length = 0;
      server.limiter.reset();
    },
    close() {
      return server.close();
    },
  };
}

function matchesRequest(r: RecordedRequest, filter: RequestFilter): boolean {
  if (filter.method !== undefined && r.method !== filter.method.toUpperCase()) return false;
  if (filter.status !== undefined && r.status !== filter.status) return false;
  if (filter.fault !== undefined && r.fault !== filter.fault) return false;
  if (filter.path !== undefined) {
    if (typeof filter.path === 'string') return r.path === filter.path.replace(/^\//, '');
    filter.path.lastIndex = 0;
    return filter.path.test(r.path);
  }
  return true;
}

export { SimulatorState } from './state.js';
export type {
  AdditionRecord,
  AgreementRecord,
  AgreementStatus,
  AgreementTypeRecord,
  BilledAddition,
  BillCustomer,
  BillingLevel,
  CatalogItemRecord,
  CompanyRecord,
  ConfigurationRecord,
  ConfigurationStatusRecord,
  ConfigurationTypeRecord,
  DeviceType,
  ManagedInformation,
  ManagementBackupRecord,
  ManagementEntryRecord,
  ManagementItSolutionRecord,
  ManagementItSolutionType,
  ManagementRecord,
  RecordInfo,
  StoredRef,
  SyncRun,
  TableName,
} from './state.js';
export { Table } from './table.js';
export type {
  BackupBillingSetup,
  BackupBillingSetupOptions,
  BackupClient,
  ConfigurationSeed,
  NoiseCompaniesOptions,
  OtherVendorConfiguration,
  OtherVendorConfigurationOptions,
  SimulatorSeed,
} from './seed.js';
export type { ActiveFault, FaultKind, FaultMatch, SimulatorFaults } from './faults.js';
export type { FollowedRedirect, RecordedRequest } from './server.js';
export type { RateLimitOptions, RateLimitViolation, Throttle } from './rate-limit.js';
export { isConfigurationBillable } from './sync.js';
export { loadOpenApi } from './openapi.js';
export type { FieldIssue, OpenApi } from './openapi.js';
export { ConditionError, compileConditions, parseConditions } from './conditions.js';
