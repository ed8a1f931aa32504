import type { Command } from 'commander';
import stringWidth from 'string-width';
import wrapAnsi from 'wrap-ansi';

/**
 * Text after a command's help: prose paragraphs wrapped to the help's width, then `Examples:`, one
 * command per line (a line too long for the width continues on the next, indented). Every sub-command
 * ends with at least one example (a test walks the tree).
 */
export function addExamples(command: Command, examples: readonly string[], prose?: string): Command {
  return command.addHelpText('after', (context) => {
    const width = widthOf(context.command);
    const parts: string[] = [];
    if (prose)
      parts.push(
        prose
          .split(/\n\n/)
          .map((p) => wrap(p.replace(/\n/g, ' '), width, ''))
          .join('\n\n'),
      );
    parts.push(['Examples:', ...examples.map((e) => wrap(e, width, '  ', '      '))].join('\n'));
    return `\n${parts.join('\n\n')}`;
  });
}

/** Prose after a command's options, wrapped to the help's width (paragraphs split on blank lines). */
export function addProse(command: Command, prose: string): Command {
  return command.addHelpText('after', (context) => {
    const width = widthOf(context.command);
    return `\n${prose
      .trim()
      .split(/\n\n/)
      .map((p) => wrap(p.replace(/\n/g, ' '), width, ''))
      .join('\n\n')}`;
  });
}

/** The width the command's help is laid out for (configured in program.ts), 100 when unset. */
export function widthOf(command: Command): number {
  return (command.configureHelp() as { helpWidth?: number }).helpWidth ?? 100;
}

/** Wraps `text` to `width` columns, the first line after `indent`, the others after `hanging`. */
export function wrap(text: string, width: number, indent: string, hanging = indent): string {
  if (stringWidth(indent + text) <= width) return indent + text;
  const lines = wrapAnsi(text, Math.max(20, width - hanging.length), { hard: true, trim: true }).split('\n');
  return lines.map((line, i) => (i === 0 ? indent : hanging) + line).join('\n');
}

/** A command's path without the program's name: `mappings import`. */
export function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/**
 * The examples every sub-command's help ends with, by command path, in one table so that a command's
 * help and the CLI guide are checked together (test/cli/help.test.ts fails for a command without a row).
 * A `#` starts what the example does; it goes on its own line when the line is narrow.
 */
export const EXAMPLES: Readonly<Record<string, readonly string[]>> = {
  publish: [
    'cwpub publish --dry-run                      # every enabled account, last month, nothing written',
    'cwpub publish --account acme --period 2026-10',
    'cwpub publish --account acme --client contoso --json > run.json',
  ],
  runs: [
    'cwpub runs --account acme --period 2026-10',
    'cwpub runs --account acme --period 2026-10 --run RUN-ID   # the clients that run changed',
    'cwpub runs --limit 1 --csv > last-runs.csv',
  ],
  billing: [
    'cwpub billing --client contoso --period 2026-10   # its row and its history of the month',
    'cwpub billing --account acme --csv > acme-2026-10.csv',
    'cwpub billing --account acme --all --json',
  ],
  accounts: [
    'cwpub accounts list',
    'cwpub accounts put --account acme --secret-id cwpub/acme --management-it-name "Backup Cloud"',
  ],
  'accounts list': ['cwpub accounts list', 'cwpub accounts list --json'],
  'accounts put': [
    'cwpub accounts put --account acme --secret-id cwpub/acme --management-it-name "Backup Cloud"',
    'cwpub accounts put --account acme --requests-per-minute 300',
  ],
  'accounts enable': ['cwpub accounts enable --account acme'],
  'accounts disable': ['cwpub accounts disable --account acme', 'cwpub accounts disable --account acme --yes --json'],
  mappings: ['cwpub mappings list --account acme', 'cwpub mappings import clients.csv --account acme --dry-run'],
  'mappings list': ['cwpub mappings list --account acme', 'cwpub mappings list --json > mappings.json'],
  'mappings put': [
    'cwpub mappings put --client contoso --managed-id CONTOSO-01 --client-name "Contoso Ltd"',
    'cwpub mappings put --client contoso --disabled',
  ],
  'mappings enable': ['cwpub mappings enable --client contoso'],
  'mappings disable': ['cwpub mappings disable --client contoso   # the next publish stops billing it'],
  'mappings remove': ['cwpub mappings remove --client contoso --account acme'],
  'mappings import': [
    'cwpub mappings import clients.csv --dry-run   # validate and show what would change',
    'cwpub mappings import clients.csv --account acme',
  ],
  'mappings suggest': [
    'cwpub mappings suggest --account acme   # what would be suggested (nothing written)',
    'cwpub mappings suggest --all --json     # every unmapped client, as JSON',
    'cwpub mappings suggest --accept         # asks, then creates entries and mappings',
    'cwpub mappings suggest --accept --client bc-7 --yes',
  ],
  ui: [
    'cwpub ui                          # serve on http://127.0.0.1:4780/?token=…',
    'cwpub ui --account acme --open    # open the page on account acme',
    'cwpub ui --port 0                 # any free port',
  ],
  usage: ['cwpub usage import usage-2026-10.csv --account acme', 'cwpub usage list --period 2026-10'],
  'usage import': [
    'cwpub usage import usage-2026-10.csv --dry-run',
    'cwpub usage import usage-2026-10.csv --account acme --json',
  ],
  'usage list': ['cwpub usage list --account acme --period 2026-10', 'cwpub usage list --json'],
  doctor: ['cwpub doctor --account acme', 'cwpub doctor --account acme --json'],
  verify: [
    'cwpub verify --account acme                # last month',
    'cwpub verify --account acme --period 2026-10 --all',
  ],
};

/** Adds the table's examples to every sub-command that has a row (program.ts calls it once). */
export function addAllExamples(program: Command): void {
  const visit = (command: Command): void => {
    const examples = EXAMPLES[commandPath(command)];
    if (examples) addExamples(command, examples.map(exampleLine));
    command.commands.forEach(visit);
  };
  program.commands.forEach(visit);
}

/** `cmd   # what it does` → `cmd   what it does` (the comment stays on the line when it fits). */
function exampleLine(example: string): string {
  return example.replace(/\s+# /, '   ');
}
