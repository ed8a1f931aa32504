/**
 * Ownership visible in ConnectWise (contract v3): every configuration the product creates or adopts
 * carries this line in its `vendorNotes`, so it stays recognisably ours when the Ledger has lost it.
 * Other vendors' notes on the configuration are kept; the line is added on its own line.
 */
const PREFIX = 'connectwise-usage-publisher';

export function ownershipLine(accountId: string, clientId: string): string {
  return `${PREFIX} account=${accountId} client=${clientId}`;
}

function lines(notes: string | null | undefined): string[] {
  return typeof notes === 'string' ? notes.split(/\r?\n/).map((l) => l.trim()) : [];
}

/** Whether `notes` carry the ownership line of this account and client. */
export function hasOwnershipLine(notes: string | null | undefined, accountId: string, clientId: string): boolean {
  const line = ownershipLine(accountId, clientId);
  return lines(notes).includes(line);
}

/** The notes with the ownership line added (other text kept); undefined when the line is there already. */
export function notesWithOwnershipLine(
  notes: string | null | undefined,
  accountId: string,
  clientId: string,
): string | undefined {
  if (hasOwnershipLine(notes, accountId, clientId)) return undefined;
  const line = ownershipLine(accountId, clientId);
  const kept = typeof notes === 'string' ? notes.replace(/\s+$/, '') : '';
  return kept === '' ? line : `${kept}\n${line}`;
}
