import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { runCli } from '../../lib/cli/program.js';
import { credentialSources } from '../../lib/cli/environment.js';
import { readStackSettings } from '../../lib/cli/stack-outputs.js';
import type { AwsClients } from '../../lib/runtime.js';

/** AWS clients whose region and credentials resolve (or not) without the SDK looking anywhere. */
function clients(region: string | undefined, credentials: boolean): AwsClients {
  const config = {
    region: () => (region ? Promise.resolve(region) : Promise.reject(new Error('Region is missing'))),
    credentials: () =>
      credentials
        ? Promise.resolve({ accessKeyId: 'a', secretAccessKey: 'b' })
        : Promise.reject(new Error('Could not load credentials from any providers')),
  };
  return { dynamodb: { config }, secrets: { config }, events: { config } } as unknown as AwsClients;
}

async function run(argv: string[], env: Record<string, string>, awsClients: AwsClients) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(
    argv,
    { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) }, env },
    { awsClients },
  );
  return { code, stdout, stderr };
}

const TABLES = { ACCOUNTS_TABLE: 'a', MAPPINGS_TABLE: 'm', USAGE_TABLE: 'u', LEDGER_TABLE: 'l' };

describe('settings: every missing piece in one message, before any AWS call', () => {
  it('lists every missing setting at once and where the values come from (exit 3)', async () => {
    const result = await run(['accounts', 'list'], { HOME: '/nonexistent' }, clients(undefined, false));
    expect(result.code).toBe(3);
    expect(result.stdout).toBe('');
    const lines = result.stderr.split('\n');
    expect(lines[0]).toBe("cwpub cannot reach the publisher's AWS resources; 6 settings are missing or invalid:");
    expect(lines.slice(1, 7).map((l) => l.trim().split(/\s{2,}/)[0])).toEqual([
      'ACCOUNTS_TABLE',
      'MAPPINGS_TABLE',
      'USAGE_TABLE',
      'LEDGER_TABLE',
      'AWS region',
      'AWS credentials',
    ]);
    expect(result.stderr).toMatch(/pass --region, set AWS_REGION/);
    expect(result.stderr).toMatch(/aws sso login --profile NAME/);
    expect(result.stderr).toMatch(/--stack STACK_NAME/);
    expect(result.stderr).toMatch(/ACCOUNTS_TABLE=AccountsTableName/);
    expect(result.stderr).not.toMatch(/Region is missing|Could not load credentials/);
  });

  it('names a bad LOG_LEVEL with the tables', async () => {
    const result = await run(
      ['accounts', 'list'],
      { ...TABLES, LOG_LEVEL: 'loud', HOME: '/nonexistent' },
      clients('eu-west-1', true),
    );
    expect(result).toMatchObject({ code: 3 });
    // Something else is missing: the instance-role probe (seconds) is not worth it; the message says where it looked.
    expect(result.stderr).toMatch(/AWS credentials {2}none found in the environment, a profile or ~\/.aws/);
    expect(result.stderr).toMatch(
      /LOG_LEVEL +must be one of fatal, error, warn, info, debug, trace, silent \(got "loud"\)/,
    );
  });

  it('says which credential source failed when one exists', async () => {
    const result = await run(['accounts', 'list'], { ...TABLES, AWS_PROFILE: 'billing' }, clients('eu-west-1', false));
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(
      /AWS credentials {2}could not be loaded from profile billing \(.*Could not load credentials.*\)/,
    );
  });

  it('needs no settings for --help, --version or a bad command line', async () => {
    const none = clients(undefined, false);
    expect((await run(['--help'], {}, none)).code).toBe(0);
    expect(await run(['--version'], {}, none)).toMatchObject({ code: 0, stdout: '0.1.0\n' });
    expect((await run(['publish', '--parallel', '0'], {}, none)).stderr).toMatch(
      /--parallel must be a whole number from 1 to 32/,
    );
  });

  it('--version is the package version', async () => {
    const { readFile } = await import('node:fs/promises');
    const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    expect((await run(['--version'], {}, clients(undefined, false))).stdout).toBe(`${pkg.version}\n`);
  });

  it('help shows the settings, examples and exit statuses; sub-command help shows the global options', async () => {
    const root = await run(['--help'], {}, clients(undefined, false));
    expect(root.stdout).toMatch(/Settings \(environment variables/);
    expect(root.stdout).toMatch(/Examples:\n {2}cwpub --stack/);
    expect(root.stdout).toMatch(/Exit status:\n {2}0 {2}done, nothing wrong/);
    const publish = await run(['publish', '--help'], {}, clients(undefined, false));
    expect(publish.stdout).toMatch(/--allow-mass-retire/);
    expect(publish.stdout).toMatch(/Global Options:[\s\S]*--stack <name>/);
  });
});

describe('credential sources (no network)', () => {
  it('finds keys, profiles, shared files and container credentials; nothing means only an instance role could help', () => {
    const none = () => false;
    expect(credentialSources({ HOME: '/h' }, {}, none)).toEqual([]);
    expect(credentialSources({ HOME: '/h', AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b' }, {}, none)).toEqual([
      'AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY',
    ]);
    expect(credentialSources({ HOME: '/h' }, { profile: 'billing' }, none)).toEqual(['profile billing']);
    expect(credentialSources({ HOME: '/h' }, {}, (f) => f === '/h/.aws/config')).toEqual(['/h/.aws/config']);
    expect(credentialSources({ HOME: '/h', AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2' }, {}, none)).toEqual([
      'container credentials',
    ]);
  });
});

describe('--stack NAME: settings from the stack outputs', () => {
  const cfn = mockClient(CloudFormationClient);
  afterEach(() => cfn.reset());
  afterAll(() => cfn.restore());

  it('maps the outputs to the variables the CLI needs', async () => {
    cfn.on(DescribeStacksCommand, { StackName: 'UsagePublisher' }).resolves({
      Stacks: [
        {
          StackName: 'UsagePublisher',
          CreationTime: new Date(),
          StackStatus: 'CREATE_COMPLETE',
          Outputs: [
            { OutputKey: 'AccountsTableName', OutputValue: 'acc-123' },
            { OutputKey: 'MappingsTableName', OutputValue: 'map-123' },
            { OutputKey: 'UsageTableName', OutputValue: 'use-123' },
            { OutputKey: 'LedgerTableName', OutputValue: 'led-123' },
            { OutputKey: 'EventBusName', OutputValue: 'bus-123' },
            { OutputKey: 'ScheduleName', OutputValue: 'ignored' },
          ],
        },
      ],
    });
    expect(await readStackSettings('UsagePublisher', new CloudFormationClient({ region: 'eu-west-1' }))).toEqual({
      ACCOUNTS_TABLE: 'acc-123',
      MAPPINGS_TABLE: 'map-123',
      USAGE_TABLE: 'use-123',
      LEDGER_TABLE: 'led-123',
      EVENT_BUS_NAME: 'bus-123',
    });
  });

  it('says so when the stack does not exist or is not the publisher', async () => {
    cfn
      .on(DescribeStacksCommand)
      .rejectsOnce(Object.assign(new Error('Stack with id Nope does not exist'), { name: 'ValidationError' }));
    await expect(readStackSettings('Nope', new CloudFormationClient({ region: 'eu-west-1' }))).rejects.toThrow(
      '--stack Nope: no such CloudFormation stack in this account and region (check --region / --profile)',
    );
    cfn.on(DescribeStacksCommand).resolves({
      Stacks: [{ StackName: 'Other', CreationTime: new Date(), StackStatus: 'CREATE_COMPLETE', Outputs: [] }],
    });
    await expect(readStackSettings('Other', new CloudFormationClient({ region: 'eu-west-1' }))).rejects.toThrow(
      /no outputs AccountsTableName, MappingsTableName, UsageTableName, LedgerTableName; is it the publisher's stack/,
    );
  });

  it('with --stack, the table variables are not needed', async () => {
    cfn
      .on(DescribeStacksCommand)
      .rejects(Object.assign(new Error('Stack with id S does not exist'), { name: 'ValidationError' }));
    const result = await run(
      ['--stack', 'S', '--region', 'eu-west-1', 'accounts', 'list'],
      { HOME: '/nonexistent' },
      clients('eu-west-1', true),
    );
    expect(result.code).toBe(3);
    expect(result.stderr).toBe(
      'cwpub: --stack S: no such CloudFormation stack in this account and region (check --region / --profile)\n',
    );
  });
});
