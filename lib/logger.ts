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

export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = { level, base: { service: 'connectwise-usage-publisher' }, redact: { paths: REDACT_PATHS, censor: '[redacted]' } };
  return destination ? pino(options, destination) : pino(options);
}
