import type { RunSummary } from '../../lib/publisher/ports/index.js';
import { Harness, type TestAccount } from './harness.js';

/** Contract v3 through `cwpub publish` (in-process, the real CLI): the operator's re-tries of held clients. */
describe('billing integrity by construction through cwpub publish', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await Harness.start();
  });
  afterAll(async () => {
    await harness.close();
  });

  const cli = (a: TestAccount, ...args: string[]) => harness.cli(['publish', '--account', a.accountId, ...args]);
  const json = (out: { stdout: string }) => JSON.parse(out.stdout) as RunSummary;

  it('keeps holding retirements when the held clients are re-tried two at a time with --client (exit 1)', async () => {
    const a = await harness.account();
    for (let i = 1; i <= 10; i++) {
      a.company(`Co-${i}`, `M-${i}`);
      await a.mapping(`c-${i}`, `M-${i}`);
      await a.usage(`c-${i}`, '2026-08', 10 * i);
      if (i <= 4) await a.usage(`c-${i}`, '2026-09', i);
    }
    expect((await cli(a, '--period', '2026-08')).code).toBe(0);
    const held = await cli(a, '--period', '2026-09', '--json');
    expect(held.code).toBe(1);
    expect(json(held).accounts[0]).toMatchObject({ failed: 6, retired: 0 });

    const outcomes: [number, number][] = [];
    for (const [x, y] of [
      ['c-5', 'c-6'],
      ['c-7', 'c-8'],
      ['c-9', 'c-10'],
    ]) {
      const out = await cli(a, '--period', '2026-09', '--client', x!, '--client', y!, '--json');
      outcomes.push([out.code, json(out).accounts[0]!.retired]);
    }
    // The month allows max(2, 20 % of 10) = 2: the first pair, then held again.
    expect(outcomes).toEqual([
      [0, 2],
      [1, 0],
      [1, 0],
    ]);
    expect(a.configurations().filter((c) => c.activeFlag !== false)).toHaveLength(8);
  });
});
