import { App, Duration, Stack } from 'aws-cdk-lib';
import { settingsFromContext } from '../../infra/context.js';
import { UsagePublisher } from '../../infra/usage-publisher.js';
import type { UsagePublisherProps } from '../../infra/usage-publisher.js';

// Props are validated before any resource is created, so these tests never bundle.
const build = (props: Partial<UsagePublisherProps>) => () =>
  new UsagePublisher(new Stack(new App(), 'Test'), 'Publisher', { secretNamePrefix: 'cwpub/', ...props });

describe('Construct: UsagePublisher', () => {
  describe('Props validation', () => {
    it.each(['', '*', 'cwpub/*', 'cw pub/', 'cwpub?'])('throws when secretNamePrefix is %j', (secretNamePrefix) => {
      expect(build({ secretNamePrefix })).toThrow(/^secretNamePrefix must be 1-256 characters .* \(no wildcards\)/);
    });

    it('throws when secretsKmsKeyArn is not a KMS key ARN', () => {
      expect(build({ secretsKmsKeyArn: 'alias/aws/secretsmanager' })).toThrow(
        /^secretsKmsKeyArn must be a KMS key ARN/,
      );
    });

    it('throws when schedule is not a cron expression', () => {
      expect(build({ schedule: 'rate(30 days)' })).toThrow(
        /^schedule must be an EventBridge Scheduler cron expression/,
      );
    });

    it('throws when scheduleTimezone is unknown', () => {
      expect(build({ scheduleTimezone: 'Mars/Olympus_Mons' })).toThrow(
        /^scheduleTimezone must be an IANA time zone name/,
      );
    });

    it('throws when the schedule would publish the wrong month in its time zone', () => {
      expect(build({ scheduleTimezone: 'Pacific/Auckland' })).toThrow(
        /would publish the wrong month; choose a later hour or day$/,
      );
    });

    it('throws when alarmEmail is not an email address', () => {
      expect(build({ alarmEmail: 'ops-at-example.com' })).toThrow(/^alarmEmail must be an email address/);
    });

    it('throws when logLevel is not a pino level', () => {
      expect(build({ logLevel: 'verbose' as never })).toThrow(
        /^logLevel must be one of fatal, error, warn, info, debug, trace, silent/,
      );
    });

    it('throws when logRetention is not a CloudWatch Logs retention', () => {
      expect(build({ logRetention: 42 as never })).toThrow(
        /^logRetention must be one of CloudWatch Logs' retention periods/,
      );
    });

    it.each([64, 100.5, 20000])('throws when memorySize is %s', (memorySize) => {
      expect(build({ memorySize })).toThrow(/^memorySize must be a whole number of MB from 128 to 10240/);
    });

    it.each([Duration.seconds(10), Duration.minutes(16)])('throws when timeout is %s', (timeout) => {
      expect(build({ timeout })).toThrow(/^timeout must be from 30 seconds to 15 minutes/);
    });

    it('throws when the stack name is too long to name the state machine after it', () => {
      const inLongStack = () =>
        new UsagePublisher(new Stack(new App(), 'A'.repeat(73)), 'Publisher', { secretNamePrefix: 'cwpub/' });
      expect(inLongStack).toThrow(
        /^stack name "A{73}" is too long: the state machine "A{73}-publish" would exceed Step Functions' 80 characters$/,
      );
    });

    it.each([0, 41, 2.5, -1])('throws when maxParallelAccounts is %s', (maxParallelAccounts) => {
      expect(build({ maxParallelAccounts })).toThrow(/^maxParallelAccounts must be a whole number from 1 to 40 \(got /);
    });
  });
});

describe('Function: settingsFromContext', () => {
  const settings = (context: Record<string, unknown>) => settingsFromContext(new App({ context }).node);

  it('throws when secretNamePrefix is missing, saying how to set it', () => {
    expect(() => settings({})).toThrow(/^context "secretNamePrefix" is required: .* -c secretNamePrefix=/);
  });

  it('reads -c strings and cdk.json values alike', () => {
    const fromCli = settings({
      secretNamePrefix: 'p/',
      scheduleEnabled: 'false',
      serializeRuns: 'true',
      memorySize: '1024',
      timeoutSeconds: '60',
      maxParallelAccounts: '25',
    });
    const fromJson = settings({
      secretNamePrefix: 'p/',
      scheduleEnabled: false,
      serializeRuns: true,
      memorySize: 1024,
      timeoutSeconds: 60,
      maxParallelAccounts: 25,
    });
    expect(fromCli).toEqual(fromJson);
    expect(fromCli.publisher).toEqual({
      secretNamePrefix: 'p/',
      scheduleEnabled: false,
      serializeRuns: true,
      memorySize: 1024,
      timeout: Duration.seconds(60),
      maxParallelAccounts: 25,
    });
  });

  it('leaves unset keys to the construct defaults and names the stack ConnectwiseUsagePublisher', () => {
    expect(settings({ secretNamePrefix: 'p/', alarmEmail: '' })).toEqual({
      stackName: 'ConnectwiseUsagePublisher',
      publisher: { secretNamePrefix: 'p/' },
    });
  });

  it('takes the stack name from context', () => {
    expect(settings({ secretNamePrefix: 'p/', stackName: 'CwpubStaging' }).stackName).toBe('CwpubStaging');
  });

  it.each([
    [{ scheduleEnabled: 'yes' }, /^context "scheduleEnabled" must be true or false/],
    [{ memorySize: '512MB' }, /^context "memorySize" must be a whole number/],
    [{ maxParallelAccounts: 'ten' }, /^context "maxParallelAccounts" must be a whole number/],
    [{ schedule: 42 }, /^context "schedule" must be a string/],
  ])('throws on %j', (context, message) => {
    expect(() => settings({ secretNamePrefix: 'p/', ...context })).toThrow(message);
  });
});
