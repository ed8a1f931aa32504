import {
  isActiveAddition,
  pairAdditions,
  textNames,
  type BillableConfiguration,
} from '../../lib/verify/additions-match.js';
import type { Addition, Configuration } from '../../lib/connectwise/types.js';

const config = (id: number, deviceIdentifier: string, gb: number, name = `Config ${id}`): BillableConfiguration => ({
  configuration: { id, name, deviceIdentifier, type: { id: 31 }, company: { id: 1 } } as Configuration,
  expectedGb: gb,
});
const addition = (id: number, quantity: number, description?: string): Addition => ({
  id,
  quantity,
  ...(description ? { description } : {}),
});

describe('Function: textNames', () => {
  it('matches the whole text, a last part after ": " or " - ", or a part in parentheses', () => {
    expect(textNames('c1', 'c1')).toBe(true);
    expect(textNames('Cloud backup storage (GB): c1', 'c1')).toBe(true);
    expect(textNames('Backup - c1', 'c1')).toBe(true);
    expect(textNames('Backup (c1) October', 'c1')).toBe(true);
  });

  it('does not match a label inside another word or number', () => {
    expect(textNames('Cloud backup storage (GB): c12', 'c1')).toBe(false);
    expect(textNames('Backup: client-1', '1')).toBe(false);
    expect(textNames(undefined, 'c1')).toBe(false);
    expect(textNames('x', '')).toBe(false);
  });
});

describe('Function: pairAdditions', () => {
  it('pairs by the deviceIdentifier named in the description', () => {
    const pairing = pairAdditions(
      [config(1, 'c1', 10), config(2, 'c2', 20)],
      [addition(7, 20, 'Backup: c2'), addition(8, 11, 'Backup: c1')],
    );
    expect(pairing.byConfiguration.get(1)?.map((a) => a.id)).toEqual([8]);
    expect(pairing.byConfiguration.get(2)?.map((a) => a.id)).toEqual([7]);
    expect(pairing.unpaired).toEqual([]);
  });

  it('falls back to the configuration name, then to equal quantities, then to the last pair left', () => {
    const pairing = pairAdditions(
      [config(1, 'c1', 10, 'Alpha'), config(2, 'c2', 20), config(3, 'c3', 30)],
      [addition(7, 10, 'Backup: Alpha'), addition(8, 20, 'Backup'), addition(9, 31, 'Backup')],
    );
    expect([...pairing.byConfiguration.entries()].map(([id, a]) => [id, a.map((x) => x.id)])).toEqual([
      [1, [7]],
      [2, [8]],
      [3, [9]],
    ]);
  });

  it('gives a configuration every addition that names it (duplicates) and leaves unexplained ones unpaired', () => {
    const pairing = pairAdditions(
      [config(1, 'c1', 10), config(2, 'c2', 20)],
      [addition(7, 10, 'Backup: c1'), addition(8, 10, 'Backup: c1'), addition(9, 5, 'Backup: old')],
    );
    expect(pairing.byConfiguration.get(1)?.map((a) => a.id)).toEqual([7, 8]);
    expect(pairing.byConfiguration.get(2)).toEqual([addition(9, 5, 'Backup: old')].map((a) => a));
    expect(pairing.unpaired).toEqual([]);
  });

  it('leaves additions unpaired when no configuration can explain them', () => {
    const pairing = pairAdditions(
      [config(1, 'c1', 10)],
      [addition(7, 10, 'Backup: c1'), addition(9, 5, 'Backup: old')],
    );
    expect(pairing.unpaired.map((a) => a.id)).toEqual([9]);
  });
});

describe('Function: isActiveAddition', () => {
  const now = new Date('2026-11-15T00:00:00Z');
  it('treats a past cancelledDate as cancelled and a future one as still billing', () => {
    expect(isActiveAddition({ id: 1 }, now)).toBe(true);
    expect(isActiveAddition({ id: 1, cancelledDate: '2026-11-01T00:00:00Z' }, now)).toBe(false);
    expect(isActiveAddition({ id: 1, cancelledDate: '2026-12-01T00:00:00Z' }, now)).toBe(true);
  });
});
