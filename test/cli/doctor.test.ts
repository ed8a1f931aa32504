import type { DoctorCheck, DoctorReport } from '../../lib/doctor/run-doctor.js';
import { startSimulator, type Simulator } from '../simulator/index.js';
import { startLocalAws, TABLES, type LocalAws } from '../support/local-aws.js';
import {
  ACCOUNT_ID,
  NOW,
  SECRET_ID,
  clearTables,
  closeDb,
  cwpub,
  putItem,
  resetSimulator,
  seedWorld,
  type World,
} from './run-cwpub.js';

let aws: LocalAws;
let sim: Simulator;
let world: World;

beforeAll(async () => {
  aws = await startLocalAws();
  aws.apply();
  sim = await startSimulator();
  sim.state.now = () => NOW;
});

afterAll(async () => {
  closeDb();
  await sim.close();
  await aws.close();
});

beforeEach(async () => {
  await clearTables(aws);
  aws.standIns.secrets.clear();
  resetSimulator(sim);
  world = await seedWorld(aws, sim, 2);
});

async function doctor(argv: string[] = [], env: Record<string, string> = aws.env) {
  const run = await cwpub(env, ['doctor', '--json', ...argv]);
  const report = run.json<DoctorReport>();
  const check = (id: string): DoctorCheck => {
    const found = report.checks.find((c) => c.id === id);
    if (!found) throw new Error(`no check ${id} in ${report.checks.map((c) => c.id).join(', ')}`);
    return found;
  };
  const failed = report.checks.filter((c) => c.status === 'failed').map((c) => c.id);
  return { run, report, check, failed };
}

const secret = (patch: Record<string, unknown> = {}) =>
  JSON.stringify({ site: sim.url, ...sim.credentials, codebase: sim.codebase, ...patch });

describe('Command: cwpub doctor', () => {
  it('passes every check of a complete setup and exits 0', async () => {
    // Act
    const { run, report } = await doctor();
    const table = await cwpub(aws.env, ['doctor']);
    const all = await cwpub(aws.env, ['doctor', '--all']);
    // Assess
    expect(run.code).toBe(0);
    expect(report.ready).toBe(true);
    expect(report.checks.map((c) => [c.id, c.status])).toEqual([
      ['table:accounts', 'ok'],
      ['table:mappings', 'ok'],
      ['table:usage', 'ok'],
      ['table:ledger', 'ok'],
      ['account', 'ok'],
      ['accountLimits', 'ok'],
      ['secret', 'ok'],
      ['codebase', 'ok'],
      ['credentials', 'ok'],
      ['solution', 'ok'],
      ['management', 'ok'],
      ['managementStatuses', 'ok'],
      ['configurationType', 'ok'],
      ['mappings', 'ok'],
      ['managedIds', 'ok'],
      [`managementBackup:${world.setup.agreementType.id}`, 'ok'],
    ]);
    expect(table.code).toBe(0);
    // Nothing to fix: the verdict and a count, no table (the passed checks are listed with --all).
    expect(table.stdout).toBe(
      `Account acme: ready · ${report.checks.length} check(s) passed.\n${report.checks.length} passed not listed (--all lists every row; --status ok lists only those)\n`,
    );
    expect(all.stdout).toMatch(/^ok {6}Management Backup for .*product BACKUP-GB, billing level Detail/m);
    // Read-only: nothing was written to ConnectWise.
    expect(sim.requests.filter((r) => r.method !== 'GET')).toEqual([]);
  });

  describe('finds each missing AWS piece', () => {
    it('no account', async () => {
      await clearTables(aws);
      const { run, check } = await doctor();
      expect(run.code).toBe(1);
      expect(check('account')).toMatchObject({
        status: 'failed',
        detail: 'the accounts table cwpub-accounts is empty',
        fix: expect.stringMatching(/cwpub accounts put/),
      });
    });

    it('an unknown --account', async () => {
      const { check } = await doctor(['--account', 'nope']);
      expect(check('account')).toMatchObject({
        status: 'failed',
        detail: 'no item with accountId "nope" in cwpub-accounts',
      });
    });

    it('a disabled account', async () => {
      await putItem(aws, TABLES.ACCOUNTS_TABLE, {
        accountId: ACCOUNT_ID,
        secretId: SECRET_ID,
        managementItName: 'Backup Cloud',
        enabled: false,
      });
      const { failed, check } = await doctor();
      expect(failed).toEqual(['account']);
      expect(check('account').fix).toBe('enable it: cwpub accounts enable --account acme');
    });

    it('an invalid account item', async () => {
      await putItem(aws, TABLES.ACCOUNTS_TABLE, {
        accountId: ACCOUNT_ID,
        secretId: SECRET_ID,
        managementItName: 'Backup "Cloud"',
      });
      const { check } = await doctor();
      expect(check('account')).toMatchObject({
        status: 'failed',
        detail: 'the account item is invalid: managementItName must not contain " or \\',
      });
    });

    it('an unreachable table', async () => {
      const { run, failed, check } = await doctor([], { ...aws.env, USAGE_TABLE: 'no-such-table' });
      expect(run.code).toBe(1);
      expect(failed).toEqual(['table:usage']);
      expect(check('table:usage')).toMatchObject({
        check: 'DynamoDB table no-such-table (USAGE_TABLE)',
        detail: expect.stringMatching(/ResourceNotFoundException/),
        fix: expect.stringMatching(/check that table no-such-table exists/),
      });
    });

    it('a missing secret', async () => {
      aws.standIns.secrets.clear();
      const { failed, check } = await doctor();
      expect(failed).toEqual(['secret']);
      expect(check('secret')).toMatchObject({
        detail: 'secret "cw/acme" does not exist',
        fix: expect.stringMatching(/create the secret/),
      });
      expect(check('codebase').status).toBe('skipped');
    });

    it('a secret without a field, never printing the others', async () => {
      aws.standIns.secrets.set(
        SECRET_ID,
        JSON.stringify({ site: sim.url, companyId: 'acme', publicKey: 'pubkey123', privateKey: '', clientId: 'x' }),
      );
      const { run, check } = await doctor();
      expect(check('secret')).toMatchObject({
        status: 'failed',
        detail: 'secret "cw/acme": privateKey must not be empty',
      });
      expect(run.stdout).not.toMatch(/pubkey123/);
    });
  });

  describe('finds each ConnectWise connection problem', () => {
    it('a wrong private key: credentials fail with the fix, no key printed', async () => {
      aws.standIns.secrets.set(SECRET_ID, secret({ privateKey: 'WRONG-private-value' }));
      const { run, failed, check } = await doctor();
      const table = await cwpub(aws.env, ['doctor']);
      expect(failed).toEqual(['credentials']);
      expect(check('codebase').status).toBe('ok');
      expect(check('credentials')).toMatchObject({
        detail: expect.stringMatching(/401/),
        fix: expect.stringMatching(/check publicKey, privateKey, companyId and clientId in secret "cw\/acme"/),
      });
      expect(check('solution').status).toBe('skipped');
      for (const out of [run.stdout, run.stderr, table.stdout, table.stderr]) {
        expect(out).not.toMatch(/WRONG-private-value|pubkey123/);
      }
    });

    it('a wrong clientId', async () => {
      aws.standIns.secrets.set(SECRET_ID, secret({ clientId: '00000000-0000-0000-0000-000000000000' }));
      const { failed } = await doctor();
      expect(failed).toEqual(['credentials']);
    });

    it('a wrong codebase', async () => {
      aws.standIns.secrets.set(SECRET_ID, secret({ codebase: 'v2019_9' }));
      const { failed, check } = await doctor();
      expect(failed).toEqual(['codebase']);
      expect(check('codebase')).toMatchObject({
        detail: expect.stringMatching(/404/),
        fix: expect.stringMatching(/check site and codebase/),
      });
      expect(check('credentials').status).toBe('skipped');
    });

    it('an unknown companyId when the codebase is looked up', async () => {
      aws.standIns.secrets.set(SECRET_ID, JSON.stringify({ site: sim.url, ...sim.credentials, companyId: 'globex' }));
      const { failed, check } = await doctor();
      expect(failed).toEqual(['codebase']);
      expect(check('codebase').detail).toMatch(/does not know the secret's companyId/);
    });

    it('a site nothing answers on', async () => {
      aws.standIns.secrets.set(SECRET_ID, secret({ site: 'http://127.0.0.1:9' }));
      const { failed, check } = await doctor();
      expect(failed).toEqual(['codebase']);
      expect(check('codebase').fix).toMatch(/check "site" in secret "cw\/acme" and that this machine can reach it/);
    });
  });

  describe('finds each missing ConnectWise setup piece', () => {
    it('the Management IT solution', async () => {
      sim.state.managementItSolutions.delete(world.setup.solution.id);
      const { failed, check } = await doctor();
      expect(failed).toEqual(['solution']);
      expect(check('solution')).toMatchObject({
        detail: 'not found',
        fix: 'ConnectWise: System > Setup Tables > Management IT: add a solution named "Backup Cloud" of type Custom (or correct managementItName with cwpub accounts put)',
      });
      expect(check('managedIds').status).toBe('skipped');
    });

    it('a solution whose name differs in letter case', async () => {
      sim.state.managementItSolutions.replace({ ...world.setup.solution, name: 'BACKUP CLOUD' });
      const { check } = await doctor();
      expect(check('solution').detail).toBe(
        'not found; ConnectWise has "BACKUP CLOUD" (names must match exactly, letter case included)',
      );
    });

    it('a solution that is not Custom', async () => {
      sim.state.managementItSolutions.replace({
        ...world.setup.solution,
        managementItSolutionType: 'NAble',
        managementSolutionName: null,
      });
      const { failed, check } = await doctor();
      expect(failed).toEqual(['solution']);
      expect(check('solution').detail).toMatch(/its type is NAble, not Custom/);
    });

    it('the Management record', async () => {
      sim.state.management.clear();
      const { failed, check } = await doctor();
      expect(failed).toEqual(['management']);
      expect(check('management').fix).toMatch(/^ConnectWise: System > Setup Tables > Management: /);
    });

    it('the configuration type', async () => {
      sim.state.configurationTypes.delete(world.setup.configurationType.id);
      const { failed, check } = await doctor();
      expect(failed).toEqual(['configurationType']);
      expect(check('configurationType').fix).toBe(
        'ConnectWise: System > Setup Tables > Configuration Types: add a configuration type named "Backup Stats"',
      );
    });

    it('an inactive configuration type', async () => {
      sim.state.configurationTypes.replace({ ...world.setup.configurationType, inactiveFlag: true });
      const { failed } = await doctor();
      expect(failed).toEqual(['configurationType']);
    });

    it('a Managed ID on no company, with the near misses', async () => {
      const entry = sim.state.managementEntries.find((e) => e.groupIdentifier === 'M-1')!;
      sim.state.managementEntries.replace({ ...entry, groupIdentifier: 'm-1' });
      const { failed, check } = await doctor();
      expect(failed).toEqual(['mapping:c1']);
      expect(check('mapping:c1')).toMatchObject({
        check: 'Managed ID "M-1" (client c1)',
        detail:
          'on no company\'s Management tab for solution "Backup Cloud"; company Client1 has "m-1" (Managed IDs match case-sensitively)',
        fix: expect.stringMatching(
          /Management tab: add Managed ID "M-1" with Management IT "Backup Cloud" and device type Backup Stats/,
        ),
      });
      expect(check('managedIds').detail).toMatch(/^1 of 2 enabled mapping/);
    });

    it('a Managed ID on two companies', async () => {
      const other = sim.seed.company({ identifier: 'Other', name: 'Other Inc' });
      sim.seed.managementEntry(other.id, { groupIdentifier: 'M-2', solutionId: world.setup.solution.id });
      const { failed, check } = await doctor();
      expect(failed).toEqual(['mapping:c2']);
      expect(check('mapping:c2').detail).toBe('on 2 companies (Client2, Other); it must be on exactly one');
    });

    it('a wrong device type', async () => {
      const entry = sim.state.managementEntries.find((e) => e.groupIdentifier === 'M-1')!;
      sim.state.managementEntries.replace({ ...entry, deviceType: 'Servers' });
      const { failed, check } = await doctor();
      expect(failed).toEqual(['mapping:c1']);
      expect(check('mapping:c1')).toMatchObject({
        detail: expect.stringMatching(/^company Client1 \(#\d+\): device type is Servers, not Backup Stats$/),
        fix: 'ConnectWise: Companies > Client1 > Management tab, entry "M-1": set Device Type to Backup Stats',
      });
    });

    it('no default agreement', async () => {
      const entry = sim.state.managementEntries.find((e) => e.groupIdentifier === 'M-2')!;
      sim.state.managementEntries.replace({ ...entry, agreement: null });
      const { failed, check } = await doctor();
      expect(failed).toEqual(['mapping:c2']);
      expect(check('mapping:c2').detail).toMatch(/no default agreement \(the sync bills nothing for this company\)/);
    });

    it('a default agreement that is not Active', async () => {
      const agreement = sim.state.agreements.find((a) => a.company.identifier === 'Client1')!;
      sim.state.agreements.replace({ ...agreement, agreementStatus: 'Cancelled', cancelledFlag: true });
      const { failed, check } = await doctor();
      expect(failed).toEqual(['mapping:c1']);
      expect(check('mapping:c1').detail).toMatch(
        /default agreement "Client 1 Ltd managed services" is Cancelled, not Active/,
      );
    });

    it('the Management Backup setup of the agreement type in use', async () => {
      sim.state.managementBackups.delete(world.setup.managementBackup.id);
      const { failed, check } = await doctor();
      const id = `managementBackup:${world.setup.agreementType.id}`;
      expect(failed).toEqual([id]);
      expect(check(id).fix).toBe(
        'ConnectWise: System > Setup Tables > Management Backup: add agreement type "Managed Services", your backup product, billing level Detail',
      );
    });

    it('warns about billing level Summary but calls the setup ready', async () => {
      sim.state.managementBackups.replace({ ...world.setup.managementBackup, billingLevel: 'Summary' });
      const { run, report, check } = await doctor();
      expect(run.code).toBe(0);
      expect(report.ready).toBe(true);
      expect(check(`managementBackup:${world.setup.agreementType.id}`)).toMatchObject({ status: 'warning', ok: true });
    });
  });

  describe('mappings', () => {
    it('an invalid mapping item', async () => {
      await putItem(aws, TABLES.MAPPINGS_TABLE, { accountId: ACCOUNT_ID, clientId: 'c9', managedId: 'x'.repeat(101) });
      const { failed, check } = await doctor();
      expect(failed).toEqual(['mappings']);
      expect(check('mappings').detail).toBe(
        '1 invalid mapping item(s): clientId=c9 (managedId must be at most 100 characters)',
      );
    });

    it('warns when no mapping is enabled', async () => {
      for (const n of [1, 2])
        await putItem(aws, TABLES.MAPPINGS_TABLE, {
          accountId: ACCOUNT_ID,
          clientId: `c${n}`,
          managedId: `M-${n}`,
          enabled: false,
        });
      const { run, check } = await doctor();
      expect(run.code).toBe(0);
      expect(check('mappings')).toMatchObject({
        status: 'warning',
        detail: 'no enabled mappings (2 in total): nothing will be published',
      });
    });
  });

  it('turns a ConnectWise failure into a failed check instead of crashing', async () => {
    sim.faults.serverError({ path: 'company/managementBackups', times: 5 });
    const { run, failed, check } = await doctor();
    expect(run.code).toBe(1);
    expect(failed).toEqual(['managementBackup']);
    expect(check('managementBackup')).toMatchObject({
      detail: expect.stringMatching(/500/),
      fix: 'ConnectWise is busy or failing: try again later',
    });
  });

  it('needs --account when there are several accounts', async () => {
    await putItem(aws, TABLES.ACCOUNTS_TABLE, {
      accountId: 'globex',
      secretId: 'cw/globex',
      managementItName: 'Other',
    });
    const run = await cwpub(aws.env, ['doctor']);
    expect(run).toMatchObject({
      code: 2,
      stderr: 'cwpub: there are 2 accounts; choose one with --account (accounts: acme, globex)\n',
    });
    const chosen = await cwpub(aws.env, ['doctor', '--account', 'acme']);
    expect(chosen.code).toBe(0);
  });
});
