import { pino } from 'pino';
import { DynamoMappingsRepository } from '../../lib/aws/dynamodb-repositories.js';
import { readConfig } from '../../lib/config.js';
import { createOnboardingDeps } from '../../lib/onboarding/wiring.js';
import { createAwsClients, createPublisherDeps } from '../../lib/runtime.js';
import { CoreOnboarding } from '../../lib/ui/onboarding.js';
import { TABLES } from '../support/local-aws.js';
import { startSandboxWorld, type SandboxWorld } from '../support/sandbox-world.js';

let world: SandboxWorld;
let onboarding: CoreOnboarding;
let mappings: DynamoMappingsRepository;

beforeAll(async () => {
  world = await startSandboxWorld({ accounts: ['msp-east'] });
  world.aws.apply();
  const logger = pino({ level: 'silent' });
  const config = readConfig(process.env);
  const clients = createAwsClients();
  const deps = createPublisherDeps(config, clients, logger);
  mappings = new DynamoMappingsRepository(world.db, TABLES.MAPPINGS_TABLE);
  onboarding = new CoreOnboarding(createOnboardingDeps(config, clients, logger), deps.accounts, deps.clock);
});

afterAll(async () => {
  await world?.close();
});

describe('CoreOnboarding (the page served by the onboarding core)', () => {
  it("suggests in the contract's shape: exact (existing entry or create), ambiguous, none", async () => {
    const sim = world.sims.get('msp-east')!;
    sim.resetRequests();
    const report = await onboarding.suggest('msp-east', world.period);
    expect(report.accountId).toBe('msp-east');
    expect(report.period).toBe(world.period);
    const byId = new Map(report.suggestions.map((s) => [s.clientId, s]));
    expect([...byId.keys()]).toEqual(['bc-1101', 'bc-1102', 'bc-1103', 'bc-1104']);
    expect(byId.get('bc-1101')).toMatchObject({
      match: 'exact',
      managedId: 'LITWARE-BKP',
      action: 'use-existing',
      company: { identifier: 'Litware', name: 'Litware Inc' },
      candidates: [],
    });
    expect(byId.get('bc-1102')).toMatchObject({ match: 'exact', managedId: 'AlpineSkiHouse', action: 'create' });
    expect(byId.get('bc-1103')).toMatchObject({ match: 'none', candidates: [] });
    expect(byId.get('bc-1104')!.match).toBe('ambiguous');
    expect(
      byId
        .get('bc-1104')!
        .candidates.map((c) => c.identifier)
        .sort(),
    ).toEqual(['CohoWinery', 'CohoWineryLLC']);
    expect(byId.get('bc-1104')!.managedId).toBeUndefined();
    // Management tabs are read only for the two exactly matching companies.
    expect(sim.managementTabsRead()).toHaveLength(2);
  });

  it('never changes an existing mapping, and accepts only exact suggestions', async () => {
    const outcomes = await onboarding.accept('msp-east', world.period, ['bc-1001', 'bc-1104', 'bc-1101']);
    expect(outcomes.map((o) => [o.clientId, o.status])).toEqual([
      ['bc-1001', 'failed'],
      ['bc-1101', 'accepted'],
      ['bc-1104', 'failed'],
    ]);
    expect(await mappings.get('msp-east', 'bc-1001')).toMatchObject({ managedId: 'CONTOSO-BKP' });
    expect(await mappings.get('msp-east', 'bc-1104')).toBeUndefined();
    expect(await mappings.get('msp-east', 'bc-1101')).toMatchObject({ managedId: 'LITWARE-BKP', enabled: true });
  });
});
