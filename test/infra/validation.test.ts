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
      expect(build({ secretsKmsKeyArn: 'alias/aws/secretsmanager' })).toThrow(/^secretsKmsKeyArn must be a KMS key ARN/);
    });

    it('throws when schedule is not a cron expression', () => {
      expect(build({ schedule: 'rate(30 days)' })).toThrow(/^schedule must be an EventBridge Scheduler cron expression/);
    });

    it('throws when scheduleTimezone is unknown', () => {
      expect(build({ scheduleTimezone: 'Mars/Olympus_Mons' })).toThrow(/^scheduleTimezone must be an IANA time zone name/);
    });

    it('throws when the schedule would publish the wrong month in its time zone', () => {
      expect(build({ scheduleTimezone: 'Pacific/Auckland' })).toThrow(/would publish the wrong month; choose a later hour or day$/);
    });

    it('throws when alarmEmail is not an email address', () => {
      expect(build({ alarmEmail: 'ops-at-example.com' })).toThrow(/^alarmEmail must be an email address/);
    });

    it('throws when logLevel is not a pino level', () => {
      expect(build({ logLevel: 'verbose' as never })).toThrow(/^logLevel must be one of fatal, error, warn, info, debug, trace, silent/);
    });

    it('throws when logRetention is not a CloudWatch Logs retention', () => {
      expect(build({ logRetention: 42 as never })).toThrow(/^logRetention must be one of CloudWatch Logs' retention periods/);
    });

    it.each([64, 100.5, 20000])('throws when memorySize is %s', (memorySize) => {
      expect(build({ memorySize })).toThrow(/^memorySize must be a whole number of MB from 128 to 10240/);
    });

    it.each([Duration.seconds(10), Duration.minutes(16)])('throws when timeout is %s', (timeout) => {
      expect(build({ timeout })).toThrow(/^timeout must be from 30 seconds to 15 minutes/);
    });
  });
});

describe('Function: settingsFromContext', () => {
  const settings = (context: Record<string, unknown>) => settingsFromContext(new App({ context }).node);

  it('throws when secretNamePrefix is missing, saying how to set it', () => {
    expect(() => settings({})).toThrow(/^context "secretNamePrefix" is required: .* -c secretNamePrefix=/);
  });

  it('reads -c strings and cdk.json values alike', () => {
    const fromCli = settings({ secretNamePrefix: 'p/', scheduleEnabled: 'false', serializeRuns: 'true', memorySize: '1024', timeoutSeconds: '60' });
    const fromJson = settings({ secretNamePrefix: 'p/', scheduleEnabled: false, serializeRuns: true, memorySize: 1024, timeoutSeconds: 60 });
    expect(fromCli).toEqual(fromJson);
    expect(fromCli.publisher).toEqual({
      secretNamePrefix: 'p/',
      scheduleEnabled: false,
      serializeRuns: true,
      memorySize: 1024,
      timeout: Duration.seconds(60),
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
    [{ schedule: 42 }, /^context "schedule" must be a string/],
  ])('throws on %j', (context, message) => {
    expect(() => settings({ secretNamePrefix: 'p/', ...context })).toThrow(message);
  });
});
