import { SecretError } from '../../errors.js';
import { ok, type Rule } from '../runner.js';
import { need, type DoctorContext } from '../types.js';

/** The account's ConnectWise secret: readable and valid. Never prints a value (SecretError names fields only). */
export const secret: Rule<DoctorContext> = {
  id: 'secret',
  title: (ctx) => `Secret ${ctx.facts.account?.secretId ?? "(the account's secretId)"}`,
  docs: {
    checks: 'the secret is readable, valid JSON with every field (values are never printed)',
    fixIn: "AWS Secrets Manager; the account's `secretId`",
  },
  dependsOn: ['account'],
  fixFor: (error) =>
    error instanceof SecretError && error.code === 'SECRET_UNREADABLE'
      ? 'create the secret in AWS Secrets Manager (or fix secretId with cwpub accounts put) and allow secretsmanager:GetSecretValue on it'
      : 'store the ConnectWise JSON as the SecretString: {"site","companyId","publicKey","privateKey","clientId"[,"codebase"]}',
  async run(ctx) {
    const account = need(ctx.facts.account, 'the account');
    const loaded = await ctx.deps.secrets.load(account.secretId);
    ctx.facts.secret = loaded;
    return ok(`readable and valid (site ${loaded.site}${loaded.codebase ? `, codebase ${loaded.codebase}` : ''})`);
  },
};
