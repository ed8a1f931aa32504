/** RFC 5988 `Link` header → map of rel → URL. ConnectWise sends first/prev/next/last. */
export function parseLinkHeader(header: string | undefined): Map<string, string> {
  const links = new Map<string, string>();
  if (!header) return links;
  for (const part of header.split(/,(?=\s*<)/)) {
    const match = /<([^>]*)>(.*)/.exec(part.trim());
    if (!match) continue;
    const url = match[1] ?? '';
    for (const param of (match[2] ?? '').split(';')) {
      const rel = /^\s*rel\s*=\s*"?([^"]+)"?\s*$/i.exec(param);
      if (rel?.[1]) for (const name of rel[1].trim().split(/\s+/)) links.set(name.toLowerCase(), url);
    }
  }
  return links;
}
