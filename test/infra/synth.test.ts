import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CDK = join(ROOT, 'node_modules', '.bin', 'cdk');

/**
 * `npx cdk synth` as an operator runs it, but with no AWS credentials or configuration at all,
 * no Docker and no instance metadata: synthesis must need none of them.
 */
describe('CLI: cdk synth', () => {
  let outdir: string;

  beforeAll(() => {
    outdir = mkdtempSync(join(tmpdir(), 'cwpub-synth-'));
  });

  afterAll(() => {
    rmSync(outdir, { recursive: true, force: true });
  });

  it('synthesizes offline, without credentials, with the cdk-nag packs passing', () => {
    // Prepare: an environment with nothing AWS in it.
    const env: NodeJS.ProcessEnv = {};
    for (const [name, value] of Object.entries(process.env)) {
      if (!/^(AWS_|CDK_)/.test(name)) env[name] = value;
    }
    Object.assign(env, {
      AWS_CONFIG_FILE: join(outdir, 'no-config'),
      AWS_SHARED_CREDENTIALS_FILE: join(outdir, 'no-credentials'),
      AWS_EC2_METADATA_DISABLED: 'true',
      CDK_DISABLE_CLI_TELEMETRY: 'true',
      DOCKER_HOST: 'unix:///nonexistent/docker.sock',
    });

    // Act
    const result = spawnSync(CDK, ['synth', '--quiet', '--no-notices', '--output', join(outdir, 'cdk.out')], {
      cwd: ROOT,
      env,
      encoding: 'utf8',
      timeout: 170_000,
    });

    // Assess
    expect({ status: result.status, stderr: result.status === 0 ? '' : result.stderr }).toEqual({
      status: 0,
      stderr: '',
    });
    const template = join(outdir, 'cdk.out', 'ConnectwiseUsagePublisher.template.json');
    expect(existsSync(template)).toBe(true);
    const report = JSON.parse(readFileSync(join(outdir, 'cdk.out', 'validation-report.json'), 'utf8')) as {
      pluginReports: unknown[];
    };
    expect(report.pluginReports).toEqual([]);
  }, 180_000);
});
