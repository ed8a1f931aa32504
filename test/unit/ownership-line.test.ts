import { patchApplied } from '../../lib/publisher/configuration-sync.js';
import { hasOwnershipLine, notesWithOwnershipLine, ownershipLine } from '../../lib/publisher/ownership-line.js';
import type { Configuration } from '../../lib/connectwise/types.js';

describe('ownership line in vendorNotes', () => {
  it('is the contract line for the account and client', () => {
    expect(ownershipLine('acct-1', 'c 7')).toBe('connectwise-usage-publisher account=acct-1 client=c 7');
  });

  it('is recognised only for its own account and client, on a line of its own', () => {
    const notes = 'old portal\r\nconnectwise-usage-publisher account=acct-1 client=c-1\n';
    expect(hasOwnershipLine(notes, 'acct-1', 'c-1')).toBe(true);
    expect(hasOwnershipLine(notes, 'acct-2', 'c-1')).toBe(false);
    expect(hasOwnershipLine(notes, 'acct-1', 'c-10')).toBe(false);
    expect(hasOwnershipLine('x connectwise-usage-publisher account=acct-1 client=c-1', 'acct-1', 'c-1')).toBe(false);
    expect(hasOwnershipLine(null, 'acct-1', 'c-1')).toBe(false);
  });

  it("is added after another vendor's notes, and not twice", () => {
    expect(notesWithOwnershipLine('old portal\n\n', 'a', 'c')).toBe(
      'old portal\nconnectwise-usage-publisher account=a client=c',
    );
    expect(notesWithOwnershipLine(undefined, 'a', 'c')).toBe('connectwise-usage-publisher account=a client=c');
    expect(notesWithOwnershipLine('connectwise-usage-publisher account=a client=c', 'a', 'c')).toBeUndefined();
  });
});

describe('patchApplied (read-back of an unreadable answer)', () => {
  const configuration: Configuration = {
    id: 1,
    name: 'x',
    type: { id: 7 },
    company: { id: 2 },
    activeFlag: false,
    backupBillableSpaceGb: 12.5,
    backupMonth: 9,
    status: { id: 90 },
  };

  it('holds when every patched field has its value', () => {
    expect(
      patchApplied(configuration, [
        { op: 'replace', path: 'activeFlag', value: false },
        { op: 'replace', path: 'status', value: { id: 90 } },
        { op: 'replace', path: 'backupBillableSpaceGb', value: 12.5 },
      ]),
    ).toBe(true);
  });

  it('does not hold when one field differs', () => {
    expect(patchApplied(configuration, [{ op: 'replace', path: 'backupMonth', value: 10 }])).toBe(false);
    expect(
      patchApplied({ ...configuration, activeFlag: undefined }, [{ op: 'replace', path: 'activeFlag', value: false }]),
    ).toBe(false);
  });
});
