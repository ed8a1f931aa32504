import type { Account } from '../../lib/publisher/ports/index.js';
import type { ConnectWiseSecret } from '../../lib/input/schemas.js';

/**
 * The fixtures every kind of test shares: one definition of an account item and a ConnectWise
 * secret, so a new required field is added here once.
 */

/** A valid, enabled account with the contract's defaults; `patch` overrides any field. */
export function accountFixture(accountId: string, patch: Partial<Account> = {}): Account {
  return {
    accountId,
    secretId: `cw/${accountId}`,
    managementItName: 'Backup Cloud',
    enabled: true,
    configurationTypeName: 'Backup Stats',
    maxBillableSpaceGb: 1_000_000,
    requestsPerMinute: 600,
    ...patch,
  };
}

/** A complete secret for a site that is never contacted (fakes and scripted servers stand in). */
export const SECRET: ConnectWiseSecret = {
  site: 'https://cw.example.com',
  companyId: 'acme',
  publicKey: 'pk',
  privateKey: 'sk',
  clientId: 'cid',
};
