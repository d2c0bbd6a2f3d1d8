// Structured logs (pino). One root logger per process, a child per subsystem. Secrets never
// reach a log line: ACL tokens and the cluster key are redacted wherever they appear.
import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger };

const REDACTED_PATHS = [
  'token',
  '*.token',
  'secretId',
  '*.secretId',
  'SecretID',
  '*.SecretID',
  'headers["x-consul-token"]',
  'headers.authorization',
  'encrypt',
  '*.encrypt',
];

export interface LoggerOptions {
  readonly level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'silent';
  readonly json: boolean;
  readonly node: string;
}

export function createLogger(options: LoggerOptions, destination: NodeJS.WritableStream = process.stderr): Logger {
  return pino(
    {
      level: options.level,
      base: { node: options.node },
      redact: { paths: REDACTED_PATHS, censor: '<hidden>' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.json ? destination : pretty({ destination, colorize: false, sync: true, singleLine: true, ignore: 'pid,hostname', translateTime: 'SYS:HH:MM:ss.l' }),
  );
}

/** Removes `token=` values from a URL before it is logged (Consul redacts the same). */
export function redactUrl(url: string): string {
  return url.replace(/([?&]token=)[^&]*/gi, '$1<hidden>');
}
