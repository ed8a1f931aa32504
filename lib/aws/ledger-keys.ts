/**
 * The Ledger table's item families. Its keys are `runKey` (partition) and `clientId` (sort); what lives
 * under them is the product's own (contract: "Other attributes are the project's own"). Account ids may
 * not start with `#` (lib/input/schemas.ts), so the `#…` families never collide with `<accountId>#<YYYY-MM>`.
 */
export const LEDGER_KEYS = {
  /** One row per client and period: the latest outcome and what ConnectWise holds. Expires by TTL. */
  period: (accountId: string, period: string) => `${accountId}#${period}`,
  /** The configurations the account owns (created or adopted). Never expire. */
  owned: (accountId: string) => `#owned#${accountId}`,
  ownedSort: (clientId: string, configurationId: number) => `${clientId}#${configurationId}`,
  /** Where each Managed ID was last found. Never expire. */
  resolved: (accountId: string) => `#resolved#${accountId}`,
  /** One record per account run, for `cwpub runs`. Expire by TTL. */
  runs: (accountId: string) => `#runs#${accountId}`,
  runSort: (startedAt: string, runId: string) => `${startedAt}#${runId}`,
  /** A run's Management tab look-up, recorded as it goes (lib/aws/lookup-journal.ts). Expire by TTL. */
  lookup: (accountId: string, runId: string) => `#lookup#${accountId}#${runId}`,
  /** Zero-padded so the chunks sort by their lowest company id. */
  lookupSort: (firstCompanyId: number) => String(firstCompanyId).padStart(12, '0'),
  /** Beside the chunks: the run's invocations in a row without progress. */
  stallSort: '#stall',
  /** What the product keeps for itself per account (contract v3): the owed sync, each period's guard. */
  accountState: (accountId: string) => `#state#${accountId}`,
  syncOwedSort: '#sync',
  monthGuardSort: (period: string) => `#guard#${period}`,
  /**
   * The append-only history of a period (issue 16): one item per run and client whose outcome changed
   * or failed something, written once and never updated. Sorted by run, then client. Expire by TTL.
   */
  history: (accountId: string, period: string) => `#history#${accountId}#${period}`,
  historySort: (runId: string, clientId: string) => `${runId}#${clientId}`,
  /** The account's run lock (one run per account at a time). */
  lock: (accountId: string) => `#lock#${accountId}`,
  lockSort: '#lock',
} as const;

/**
 * How long period rows, history items and run records live (TTL): 800 days, more than the 25 months
 * (≈ 761 days) of a billing dispute window, counted from the run that wrote them.
 */
export const LEDGER_RETENTION_DAYS = 800;

export function expiresAt(isoTime: string): number {
  return Math.floor(Date.parse(isoTime) / 1000) + LEDGER_RETENTION_DAYS * 86_400;
}
