import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** GitHub's heading anchors (github-slugger): lower case, punctuation dropped, each space a hyphen. */
export function slug(heading: string): string {
  return heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** Lines outside fenced code blocks, with inline code spans kept (a heading's code is part of its text). */
function prose(markdown: string): string[] {
  let fenced = false;
  return markdown.split('\n').filter((line) => {
    if (/^\s*```/.test(line)) {
      fenced = !fenced;
      return false;
    }
    return !fenced;
  });
}

/** Anchors of a page, with GitHub's -1, -2 … suffixes for repeated headings. */
export function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  for (const line of prose(markdown)) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1];
    if (heading === undefined) continue;
    const base = slug(heading);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    result.add(n === 0 ? base : `${base}-${n}`);
  }
  return result;
}

/** Relative link targets of a page (not URLs, not inside code). */
export function relativeLinks(markdown: string): string[] {
  const links: string[] = [];
  for (const line of prose(markdown)) {
    const text = line.replace(/`[^`]*`/g, '');
    for (const match of text.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
      const target = match[1]!;
      if (!/^[a-z][a-z0-9+.-]*:/i.test(target)) links.push(target);
    }
  }
  return links;
}

const pages = [
  join(ROOT, 'README.md'),
  ...readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => join(ROOT, 'docs', name)),
];

/** Every broken relative link or anchor in `page`, as `page: target (why)`. */
function brokenLinks(page: string): string[] {
  const problems: string[] = [];
  const markdown = readFileSync(page, 'utf8');
  for (const link of relativeLinks(markdown)) {
    const [path = '', anchor] = link.split('#', 2);
    const target = path === '' ? page : resolve(dirname(page), decodeURI(path));
    const where = `${relative(ROOT, page)}: ${link}`;
    if (!existsSync(target)) {
      problems.push(`${where} (no such file)`);
      continue;
    }
    if (anchor === undefined || !target.endsWith('.md') || statSync(target).isDirectory()) continue;
    if (!anchors(readFileSync(target, 'utf8')).has(anchor)) problems.push(`${where} (no such heading)`);
  }
  return problems;
}

describe('documentation links', () => {
  it.each(pages.map((page) => [relative(ROOT, page), page]))(
    '%s has no broken relative link or anchor',
    (_name, page) => {
      expect(brokenLinks(page)).toEqual([]);
    },
  );

  it('keeps the README a front door of at most 250 lines', () => {
    expect(readFileSync(join(ROOT, 'README.md'), 'utf8').split('\n').length).toBeLessThanOrEqual(250);
  });
});

describe('GitHub anchors', () => {
  it('drops punctuation and code marks, keeps hyphens, and numbers repeated headings', () => {
    const page = [
      '# The `cwpub` CLI',
      '## "Another run is publishing this account"',
      '## DurationAlarm — an invocation ran past 95 % of its timeout',
      '## Notes',
      '## Notes',
      '```sh',
      '# a comment, not a heading',
      '```',
    ].join('\n');
    expect([...anchors(page)]).toEqual([
      'the-cwpub-cli',
      'another-run-is-publishing-this-account',
      'durationalarm--an-invocation-ran-past-95--of-its-timeout',
      'notes',
      'notes-1',
    ]);
  });

  it('finds relative links outside code and ignores URLs', () => {
    const page = 'see [a](cli.md#install), [b](https://example.com), `[c](nope.md)`\n```\n[d](no.md)\n```';
    expect(relativeLinks(page)).toEqual(['cli.md#install']);
  });
});
