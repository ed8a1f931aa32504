import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { screenLines } from '../support/screen.js';
import stringWidth from 'string-width';
import { createDocumentClient } from '../../lib/aws/dynamo-client.js';
import { DynamoAccountsRepository, DynamoUsageRepository } from '../../lib/aws/dynamodb-repositories.js';
import { previousPeriod } from '../../lib/period.js';
import { seedOnboardingSite } from '../simulator/onboarding-seed.js';
import { startSimulator, type Simulator } from '../simulator/index.js';
import { startLocalAws, TABLES, type LocalAws } from '../support/local-aws.js';

/** `cwpub mappings suggest --accept` on a real pseudo-terminal (util-linux `script`): the question and its numbers. */
const root = fileURLToPath(new URL('../..', import.meta.url));
const hasScript = spawnSync('script', ['--version']).status === 0;
// eslint-disable-next-line no-control-regex
const plain = (s: string) => s.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '');

function onPty(
  env: Record<string, string>,
  args: string[],
  input: string,
): Promise<{ code: number; screen: string; raw: string }> {
  const quoted = args.map((a) => `'${a}'`).join(' ');
  const command = `stty cols 100 rows 50; ${JSON.stringify(process.execPath)} ${root}bin/cwpub.js ${quoted}`;
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qfec', command, '/dev/null'], {
      env: { PATH: process.env.PATH ?? '', HOME: '/nonexistent', TERM: 'xterm-256color', ...env },
    });
    let screen = '';
    let typed = false;
    child.stdout.on('data', (chunk: Buffer) => {
      screen += chunk.toString();
      if (!typed && screen.includes('[y/N]')) {
        typed = true;
        child.stdin.write(input);
      }
    });
    child.on('error', reject);
    child.on('close', (code) => {
      child.stdin.destroy();
      resolve({ code: code ?? -1, screen: plain(screen.replace(/\r/g, '')), raw: screen });
    });
  });
}

(hasScript ? describe : describe.skip)('cwpub mappings suggest --accept on a terminal (pty)', () => {
  let aws: LocalAws;
  let sim: Simulator;
  let env: Record<string, string>;
  const posts = () => sim.requests.filter((r) => r.method === 'POST').length;

  beforeAll(async () => {
    expect(existsSync(`${root}dist/cwpub.js`)).toBe(true);
    aws = await startLocalAws();
    sim = await startSimulator();
    seedOnboardingSite(sim.seed, sim.seed.backupBillingSetup({ solutionName: 'Backup Cloud' }));
    aws.standIns.secrets.set('cw/acme', JSON.stringify({ site: sim.url, ...sim.credentials, codebase: sim.codebase }));
    const db = createDocumentClient(
      new DynamoDBClient({
        endpoint: aws.dynamodbEndpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      }),
    );
    await new DynamoAccountsRepository(db, TABLES.ACCOUNTS_TABLE).put({
      accountId: 'acme',
      secretId: 'cw/acme',
      managementItName: 'Backup Cloud',
      enabled: true,
      configurationTypeName: 'Backup Stats',
      maxBillableSpaceGb: 1_000_000,
      requestsPerMinute: 600,
    });
    const period = previousPeriod(new Date()).key;
    const names = ['Contoso Limited', 'Fabrikam', 'Smith and Sons', 'Northwind Traders', 'Wingtips Toy'];
    await new DynamoUsageRepository(db, TABLES.USAGE_TABLE).putMany(
      names.map((clientName, i) => ({
        accountId: 'acme',
        usageKey: `${period}#client-${i + 1}`,
        period,
        clientId: `client-${i + 1}`,
        billableSpaceGb: 10,
        clientName,
      })),
    );
    db.destroy();
    env = { ...aws.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
  });
  afterAll(async () => {
    await sim.close();
    await aws.close();
  });

  it('shows what it will accept, asks with the numbers, and writes nothing on "n"; accepts on "y"', async () => {
    const no = await onPty(env, ['mappings', 'suggest', '--accept'], 'n\n');
    expect(no.code).toBe(2);
    expect(no.screen).toMatch(/^client-1 +Contoso Limited +Contoso \(#\d+\) +CONTOSO-BKP +use existing entry$/m);
    expect(no.screen.replace(/\n/g, ' ')).toMatch(
      /Create 2 Management tab entries in ConnectWise and write 3 mappings in account acme\? \[y\/N\] n/,
    );
    expect(no.screen).toMatch(/cwpub: not confirmed; nothing was changed/);
    expect(posts()).toBe(0);

    const yes = await onPty(env, ['mappings', 'suggest', '--accept'], 'y\n');
    expect(yes.code).toBe(0);
    expect(yes.screen).toMatch(/3 accepted \(2 Management tab entries created, 3 mappings written\)/);
    // The RESULT column wraps within the terminal's 100 columns.
    expect(yes.screen).toMatch(
      /^client-2 +Fabrikam +Fabrikam +entry created \(agreement Fabrikam, Inc\. managed services\), mapping$/m,
    );
    expect(posts()).toBe(2);
    for (const line of [...screenLines(no.raw), ...screenLines(yes.raw)])
      expect(stringWidth(line)).toBeLessThanOrEqual(100);
  });
});
