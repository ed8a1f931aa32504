import { pino, type DestinationStream, type Logger } from 'pino';

/** Paths pino blanks wherever they appear: a secret or an auth header must never reach a log. */
export const REDACT_PATHS = [
  'privateKey',
  'publicKey',
  'authorization',
  'secret',
  'SecretString',
  '*.privateKey',
  '*.publicKey',
  '*.authorization',
  '*.secret',
  '*.SecretString',
  'headers.authorization',
  '*.headers.authorization',
];

const BASE_OPTIONS = {
  base: { service: 'connectwise-usage-publisher' },
  redact: { paths: REDACT_PATHS, censor: '[redacted]' },
};

/** JSON lines (the Lambda's format, and what log tooling reads). */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = { level, ...BASE_OPTIONS };
  return destination ? pino(options, destination) : pino(options);
}

/**
 * The same logger for people (the CLI): one readable line per record, e.g.
 * `warning: retrying ConnectWise request GET /v4_6_release/apis/3.0/company/companies (429, retry 1)`.
 * Records go through pino first, so redaction applies exactly as in the JSON logs.
 */
export function createLineLogger(
  level: string,
  write: (line: string) => void,
  decorate: (levelWord: string, text: string) => string = (_word, text) => text,
): Logger {
  return pino(
    { level, ...BASE_OPTIONS },
    {
      write(json: string) {
        let record: Record<string, unknown>;
        try {
          record = JSON.parse(json) as Record<string, unknown>;
        } catch {
          write(json.endsWith('\n') ? json : `${json}\n`);
          return;
        }
        write(`${formatLogLine(record, decorate)}\n`);
      },
    },
  );
}

const LEVEL_WORDS: Record<number, string> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warning',
  50: 'error',
  60: 'fatal',
};
/** Fields every record carries that say nothing to the person reading one run's output. */
const NOISE = new Set([
  'level',
  'time',
  'pid',
  'hostname',
  'service',
  'msg',
  'runId',
  'dryRun',
  'method',
  'path',
  'status',
  'code',
  'retryCount',
  'err',
]);

export function formatLogLine(
  record: Record<string, unknown>,
  decorate: (levelWord: string, text: string) => string = (_w, t) => t,
): string {
  const word = LEVEL_WORDS[Number(record.level)] ?? 'log';
  const parts: string[] = [String(record.msg ?? '')];
  if (typeof record.method === 'string' || typeof record.path === 'string')
    parts.push(`${String(record.method ?? '')} ${String(record.path ?? '')}`.trim());
  const why = [
    record.status ?? record.code,
    typeof record.retryCount === 'number' ? `retry ${record.retryCount}` : undefined,
  ].filter((v) => v !== undefined && v !== null);
  let text = parts.filter(Boolean).join(' ');
  if (why.length) text += ` (${why.join(', ')})`;
  const err = record.err as { message?: unknown } | undefined;
  if (err && typeof err.message === 'string') text += `: ${err.message}`;
  const extras = Object.entries(record)
    .filter(([key, value]) => !NOISE.has(key) && value !== undefined)
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : short(JSON.stringify(value))}`);
  if (extras.length) text += ` ${extras.join(' ')}`;
  return decorate(word, word === 'info' ? text : `${word}: ${text}`);
}

function short(text: string): string {
  return text.length > 300 ? `${text.slice(0, 299)}…` : text;
}
