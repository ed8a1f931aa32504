import type { Company, ManagementEntry } from '../../lib/connectwise/types.js';
import { loadManagementTab, resolveManagedId, type ManagementTab } from '../../lib/publisher/resolution.js';
import { NO_PROGRESS, progressFor, type Progress } from '../../lib/cli/progress.js';
import type { ConnectWisePort } from '../../lib/publisher/ports/connectwise.js';

const SOLUTION = { id: 11, name: 'Backup Cloud' };
const company = (id: number): Company => ({ id, identifier: `C${id}`, name: `Company ${id}` });
const entry = (id: number, groupIdentifier: string, solution = SOLUTION): ManagementEntry => ({
  id,
  groupIdentifier,
  managementSolution: { id: solution.id, name: solution.name },
  deviceType: 'BackupStats',
});

describe('Function: resolveManagedId', () => {
  const tab: ManagementTab = {
    companies: [company(1), company(2), company(3)],
    entries: [
      { company: company(1), entry: entry(501, 'M-1') },
      { company: company(1), entry: entry(502, 'M-1') },
      { company: company(2), entry: entry(503, 'm-1') },
      { company: company(3), entry: entry(504, 'M-1', { id: 12, name: 'Other RMM' }) },
    ],
  };

  it('matches exactly, once per company, and names the near misses', () => {
    // Act
    const res = resolveManagedId(tab, SOLUTION, 'M-1');
    // Assess
    expect(res.matches.map((m) => [m.company.id, m.entry.id])).toEqual([[1, 501]]);
    expect(res.otherCase.map((m) => m.company.id)).toEqual([2]);
    expect(res.otherSolution.map((m) => m.company.id)).toEqual([3]);
  });

  it('accepts an entry naming the solution by name only', () => {
    const byName: ManagementTab = {
      companies: [company(1)],
      entries: [
        { company: company(1), entry: { id: 1, groupIdentifier: 'X', managementSolution: { name: 'Backup Cloud' } } },
      ],
    };
    expect(resolveManagedId(byName, SOLUTION, 'X').matches).toHaveLength(1);
  });
});

describe('Function: loadManagementTab', () => {
  it('reads every company’s entries and ticks the progress once per company', async () => {
    // Prepare
    const ticks: string[] = [];
    const progress: Progress = {
      start: (n, label) => ticks.push(`start ${n} ${label}`),
      increment: () => ticks.push('tick'),
      stop: () => ticks.push('stop'),
    };
    const cw = {
      listCompanies: async () => [company(1), company(2)],
      listManagementEntries: async (id: number) => [entry(500 + id, `M-${id}`)],
    } as unknown as ConnectWisePort;
    // Act
    const tab = await loadManagementTab(cw, progress);
    // Assess
    expect(tab.entries.map((e) => e.entry.groupIdentifier)).toEqual(['M-1', 'M-2']);
    expect(ticks).toEqual(['start 2 Reading Management tabs', 'tick', 'tick', 'stop']);
  });
});

describe('Function: progressFor', () => {
  it('draws nothing unless stderr is a terminal and the output is not JSON', () => {
    const pipe = { write: () => true };
    const tty = { write: () => true, isTTY: true };
    expect(progressFor(pipe, false)).toBe(NO_PROGRESS);
    expect(progressFor(tty, true)).toBe(NO_PROGRESS);
    expect(progressFor(tty, false)).not.toBe(NO_PROGRESS);
  });
});
