import type { ClientCheck, Mismatch, Note } from './types.js';

/** What the reconciliation's parts report into: mismatches, notes, and one row per mapped client. */
export class Findings {
  readonly mismatches: Mismatch[] = [];
  readonly notes: Note[] = [];
  private readonly clients = new Map<string, ClientCheck>();

  mismatch(m: Mismatch): void {
    this.mismatches.push(m);
  }

  note(n: Note): void {
    this.notes.push(n);
  }

  addClient(row: ClientCheck): void {
    this.clients.set(row.clientId, row);
  }

  /** Adds to a listed client's row (clients not listed, e.g. removed mappings, have none). */
  client(clientId: string, patch: Partial<ClientCheck>): void {
    const current = this.clients.get(clientId);
    if (current) this.clients.set(clientId, { ...current, ...patch });
  }

  /** The rows, each marked `mismatch` when a mismatch names it. */
  rows(): ClientCheck[] {
    for (const m of this.mismatches) for (const id of m.clientIds) this.client(id, { status: 'mismatch' });
    return [...this.clients.values()];
  }
}
