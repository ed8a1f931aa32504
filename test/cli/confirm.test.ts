import { PassThrough } from 'node:stream';
import { CliContext } from '../../lib/cli/context.js';
import { retirementPrompt } from '../../lib/cli/commands/publish.js';
import type { ClientResult } from '../../lib/publisher/ports/index.js';

const retirements: ClientResult[] = [
  { clientId: 'c-7', managedId: 'M-7', status: 'planned', action: 'retire', reason: 'its mapping is disabled' },
];

function context(options: { tty: boolean; answer?: string }) {
  let stderr = '';
  const stdin = Object.assign(new PassThrough(), { isTTY: options.tty });
  const ctx = new CliContext({
    stdin,
    stdout: { write: () => true },
    stderr: { write: (s: string) => ((stderr += s), true), isTTY: options.tty },
    env: { NO_COLOR: '1' },
  });
  if (options.answer !== undefined) setTimeout(() => stdin.write(`${options.answer}\n`), 20);
  return { ctx, stderr: () => stderr };
}

describe('confirmations', () => {
  it('--yes confirms without asking', async () => {
    const refused: string[] = [];
    const { ctx, stderr } = context({ tty: false });
    expect(
      await retirementPrompt(ctx, { yes: true }, refused)({ accountId: 'acme', period: '2026-10', retirements }),
    ).toBe(true);
    expect(refused).toEqual([]);
    expect(stderr()).toBe('');
  });

  it('without a terminal there is nobody to ask: the run proceeds like the scheduled Lambda, asking nothing', async () => {
    const refused: string[] = [];
    const { ctx, stderr } = context({ tty: false });
    expect(await retirementPrompt(ctx, {}, refused)({ accountId: 'acme', period: '2026-10', retirements })).toBe(true);
    expect(refused).toEqual([]);
    expect(stderr()).toBe('');
  });

  it.each([
    ['y', true],
    ['yes', true],
    ['n', false],
    ['', false],
  ])('on a terminal, lists the clients and asks; answer %p → %p', async (answer, expected) => {
    const refused: string[] = [];
    const { ctx, stderr } = context({ tty: true, answer });
    expect(await retirementPrompt(ctx, {}, refused)({ accountId: 'acme', period: '2026-10', retirements })).toBe(
      expected,
    );
    expect(stderr()).toMatch(/Account acme, 2026-10: this run would STOP billing 1 client\(s\):/);
    expect(stderr()).toMatch(/c-7 +M-7 +its mapping is disabled/);
    expect(stderr()).toMatch(/Stop billing 1 client\(s\) of account acme\? \[y\/N\]/);
    expect(refused).toHaveLength(expected ? 0 : 1);
  });

  it('a command that needs confirmation refuses without a terminal', async () => {
    const { ctx } = context({ tty: false });
    await expect(ctx.confirm('Remove?', { refusal: 'refusing to remove mapping c1' })).rejects.toThrow(
      'refusing to remove mapping c1: there is no terminal to confirm on; re-run with --yes to go ahead',
    );
    await expect(ctx.confirm('Remove?', { yes: true, refusal: 'x' })).resolves.toBeUndefined();
  });
});
