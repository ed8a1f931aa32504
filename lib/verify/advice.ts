/**
 * What to do about an addition that still bills a retired configuration. True since contract v3: a
 * run that retired it and ended without a sync left the sync owed, and a publish of the period triggers
 * the Management sync whenever one of its clients was retired or is billed (or a sync is owed).
 */
export const RETIRED_ADDITION_ADVICE =
  'the Management sync has not cancelled it yet: publish the account again for this period ' +
  '(cwpub publish --account ID --period YYYY-MM), which triggers the sync, or run Sync Now in ConnectWise';
