import { orderRules, runRules, fail, ok, warn, type Rule } from '../../lib/doctor/runner.js';

interface Ctx {
  readonly log: string[];
}

const rule = (id: string, dependsOn: string[], run: Rule<Ctx>['run'], extra: Partial<Rule<Ctx>> = {}): Rule<Ctx> => ({
  id,
  title: `Check ${id}`,
  dependsOn,
  run,
  ...extra,
});
const passes = (id: string, dependsOn: string[] = [], extra: Partial<Rule<Ctx>> = {}) =>
  rule(
    id,
    dependsOn,
    async (ctx) => {
      ctx.log.push(id);
      return ok(`${id} fine`);
    },
    extra,
  );

const options = { fixFor: () => 'default fix' };
const run = (rules: Rule<Ctx>[], opts: Parameters<typeof runRules<Ctx>>[2] = options) =>
  runRules(rules, { log: [] }, opts);

describe('Function: orderRules', () => {
  it('puts every rule after what it depends on, keeping pack order otherwise', () => {
    const order = orderRules([
      passes('c', ['b']),
      passes('a'),
      passes('b', ['a']),
      passes('d', [], { after: ['c'] }),
    ]).map((r) => r.id);
    expect(order).toEqual(['a', 'b', 'c', 'd']);
  });

  it('throws on an unknown dependency, a duplicate id and a cycle (mistakes in the pack)', () => {
    expect(() => orderRules([passes('a', ['nope'])])).toThrow('rule pack: "a" depends on unknown rule "nope"');
    expect(() => orderRules([passes('a'), passes('a')])).toThrow('rule pack: duplicate rule id "a"');
    expect(() => orderRules([passes('a', ['b']), passes('b', ['a'])])).toThrow(
      'rule pack: dependency cycle among a, b',
    );
  });
});

describe('Function: runRules', () => {
  it('runs a rule only after its dependencies have finished, and reports in dependency order', async () => {
    // Prepare: b depends on a, but a is slow and listed last
    const ctx: Ctx = { log: [] };
    const slowA = rule('a', [], async (c) => {
      await new Promise((resolve) => setImmediate(resolve));
      c.log.push('a');
      return ok('a fine');
    });
    // Act
    const rows = await runRules([passes('b', ['a']), slowA], ctx, options);
    // Assess
    expect(ctx.log).toEqual(['a', 'b']);
    expect(rows.map((r) => [r.id, r.check, r.status, r.ok])).toEqual([
      ['a', 'Check a', 'ok', true],
      ['b', 'Check b', 'ok', true],
    ]);
  });

  it('skips the dependents of a failed check, transitively, naming the check each one needs', async () => {
    const rows = await run([
      rule('secret', [], async () => fail('secret "x" does not exist', 'create it')),
      passes('codebase', ['secret']),
      passes('solution', ['codebase']),
      passes('tables'),
    ]);
    expect(rows.map((r) => [r.id, r.status, r.blockedBy])).toEqual([
      ['secret', 'failed', undefined],
      ['codebase', 'skipped', 'secret'],
      ['solution', 'skipped', 'codebase'],
      ['tables', 'ok', undefined],
    ]);
    expect(rows[1]).toMatchObject({ ok: true, detail: 'not checked: needs secret (Check secret), which failed' });
    expect(rows[2]?.detail).toBe('not checked: needs codebase (Check codebase), which was not checked');
  });

  it("turns a throw into a failed check with the rule's fix, or the default fix, and skips its dependents", async () => {
    const rows = await run([
      rule(
        'own',
        [],
        async () => {
          throw new Error('table gone');
        },
        { fixFor: (error) => `own fix for ${(error as Error).message}` },
      ),
      rule('plain', [], async () => {
        throw new Error('boom');
      }),
      passes('after-plain', ['plain']),
    ]);
    expect(rows).toEqual([
      {
        id: 'own',
        check: 'Check own',
        ok: false,
        status: 'failed',
        detail: 'table gone',
        fix: 'own fix for table gone',
      },
      { id: 'plain', check: 'Check plain', ok: false, status: 'failed', detail: 'boom', fix: 'default fix' },
      expect.objectContaining({ id: 'after-plain', status: 'skipped', blockedBy: 'plain' }),
    ]);
  });

  it('rethrows the errors the caller calls fatal (a bad command line is not a finding)', async () => {
    const fatal = new Error('choose one with --account');
    await expect(
      run([rule('a', [], async () => Promise.reject(fatal)), passes('b', [], { after: ['a'] })], {
        ...options,
        isFatal: (e) => e === fatal,
      }),
    ).rejects.toBe(fatal);
  });

  it('lets dependents run after a failure that does not block them, and after warnings', async () => {
    const rows = await run([
      rule('account', [], async () => fail('disabled', 'enable it', { blocksDependents: false })),
      rule('limits', [], async () => warn('high', 'lower it')),
      passes('secret', ['account', 'limits']),
    ]);
    expect(rows.map((r) => [r.id, r.status])).toEqual([
      ['account', 'failed'],
      ['limits', 'warning'],
      ['secret', 'ok'],
    ]);
  });

  it('runs an `after` rule whatever the outcome of what it waits for', async () => {
    const rows = await run([rule('a', [], async () => fail('bad', 'fix')), passes('b', [], { after: ['a'] })]);
    expect(rows.map((r) => [r.id, r.status])).toEqual([
      ['a', 'failed'],
      ['b', 'ok'],
    ]);
  });

  it('reports item rows (their own ids) without letting them stop dependents, and nothing for "not applicable"', async () => {
    const rows = await run([
      rule('managedIds', [], async () => [
        { id: 'mapping:c1', check: 'Managed ID "M-1"', ...fail('on no company', 'add it') },
        ok('1 of 2 fine'),
      ]),
      rule('none', [], async () => []),
      passes('backup', ['managedIds', 'none']),
    ]);
    expect(rows.map((r) => [r.id, r.check, r.status])).toEqual([
      ['mapping:c1', 'Managed ID "M-1"', 'failed'],
      ['managedIds', 'Check managedIds', 'ok'],
      ['backup', 'Check backup', 'ok'],
    ]);
  });
});
