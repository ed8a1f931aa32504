import { formatProblems } from '../../input/schemas.js';
import { fail, ok, warn, type Rule } from '../runner.js';
import { need, type DoctorContext } from '../types.js';

/** The account item: present, valid, enabled. A disabled account still has its setup checked. */
export const accountItem: Rule<DoctorContext> = {
  id: 'account',
  title: (ctx) => `Account ${ctx.facts.selectedId ?? '(none)'}`,
  docs: {
    checks: 'the account item exists, is valid and enabled',
    fixIn: '`cwpub accounts put` / `cwpub accounts enable`',
  },
  dependsOn: ['table:accounts'],
  async run(ctx) {
    const { accountItem: item, selectedId } = ctx.facts;
    const table = ctx.deps.tables.accounts;
    if (!item) {
      return fail(
        selectedId === undefined
          ? `the accounts table ${table} is empty`
          : `no item with accountId "${selectedId}" in ${table}`,
        'add it: cwpub accounts put --account ID --secret-id SECRET --management-it-name NAME',
      );
    }
    if (!('secretId' in item)) {
      return fail(
        `the account item is invalid: ${formatProblems(item.problems)}`,
        'rewrite it: cwpub accounts put --account ID --secret-id SECRET --management-it-name NAME',
      );
    }
    ctx.facts.account = item;
    const detail = `secret ${item.secretId}, Management IT "${item.managementItName}", configuration type "${item.configurationTypeName}"`;
    if (item.enabled) return ok(`enabled; ${detail}`);
    return fail(
      `disabled (the monthly schedule skips it); ${detail}`,
      `enable it: cwpub accounts enable --account ${item.accountId}`,
      {
        blocksDependents: false,
      },
    );
  },
};

/**
 * Above this, a ConnectWise site is likely to answer 429: ConnectWise throttles API members at roughly
 * 1000 requests a minute, and the site's other integrations share that allowance.
 */
export const REQUESTS_PER_MINUTE_ADVISED_MAX = 1000;

/** The account's Scale and plausibility limits, shown so an operator sees what a run will do. */
export const accountLimits: Rule<DoctorContext> = {
  id: 'accountLimits',
  title: 'Account limits (requestsPerMinute, maxBillableSpaceGb)',
  docs: {
    checks: 'shows `requestsPerMinute` and `maxBillableSpaceGb`; warns above 1,000 requests a minute',
    fixIn: '`cwpub accounts put --requests-per-minute` / `--max-billable-space-gb`',
  },
  dependsOn: ['account'],
  async run(ctx) {
    const account = need(ctx.facts.account, 'the account');
    const detail =
      `at most ${account.requestsPerMinute} ConnectWise requests per minute; ` +
      `usage above ${account.maxBillableSpaceGb} GB fails the client`;
    if (account.requestsPerMinute > REQUESTS_PER_MINUTE_ADVISED_MAX) {
      return warn(
        `${detail}: above ~${REQUESTS_PER_MINUTE_ADVISED_MAX}/min ConnectWise is likely to throttle ` +
          '(429), and other integrations on the site share its allowance',
        `lower requestsPerMinute on account ${account.accountId} (Accounts table; ` +
          `absent = 600) to ${REQUESTS_PER_MINUTE_ADVISED_MAX} or less`,
      );
    }
    return ok(detail);
  },
};
