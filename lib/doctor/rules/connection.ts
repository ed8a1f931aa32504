import { ConnectWiseHttpError, describeError } from '../../errors.js';
import { connectWiseFix } from '../connectwise-errors.js';
import { fail, ok, type Rule } from '../runner.js';
import { need, type DoctorContext } from '../types.js';

/**
 * One `GET system/info` answers two questions: a 401/403 means the site and codebase are right but
 * the credentials are refused; any other failure means the site or codebase is wrong (or unreachable).
 */
export const codebase: Rule<DoctorContext> = {
  id: 'codebase',
  title: 'ConnectWise site and codebase',
  docs: {
    checks: 'the codebase look-up and `GET system/info` answer',
    fixIn: '`site` / `codebase` in the secret',
  },
  dependsOn: ['secret'],
  async run(ctx) {
    const secret = need(ctx.facts.secret, 'the secret');
    const cw = await ctx.deps.connectWise(secret, need(ctx.facts.account, 'the account'));
    ctx.facts.connectWise = cw;
    try {
      const info = await cw.systemInfo();
      return ok(`reachable (${secret.site}${info.version ? `, version ${info.version}` : ''})`);
    } catch (error) {
      if (!(error instanceof ConnectWiseHttpError && (error.status === 401 || error.status === 403))) throw error;
      ctx.facts.credentialsRefused = error;
      return ok(`reachable (${secret.site})`);
    }
  },
};

export const credentials: Rule<DoctorContext> = {
  id: 'credentials',
  title: 'ConnectWise credentials and clientId',
  docs: {
    checks: 'ConnectWise accepts the keys and clientId (no 401/403)',
    fixIn: '`publicKey`, `privateKey`, `companyId`, `clientId` in the secret',
  },
  dependsOn: ['codebase'],
  async run(ctx) {
    const refused = ctx.facts.credentialsRefused;
    if (refused !== undefined)
      return fail(describeError(refused), connectWiseFix(refused, need(ctx.facts.account, 'the account').secretId));
    return ok('accepted (GET system/info)');
  },
};
