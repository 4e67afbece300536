import pino from 'pino';

/**
 * Structured logs: one JSON object a line, human-readable on a terminal.
 * This service exists for people who fear surveillance, so the logger is the
 * last line of defence: fields that could carry an IP address, a message
 * body, a secret or who someone is (a username, a JID) are censored
 * whatever a caller passes.
 */
export type Logger = pino.Logger;
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';
export type LogFormat = 'auto' | 'json' | 'pretty';

export const REDACTED_FIELDS = [
  'ip', 'address', 'remoteAddress', 'remotePort', 'body', 'password', 'token', 'stanza', 'xml', 'user', 'username', 'jid',
  '*.ip', '*.address', '*.remoteAddress', '*.remotePort', '*.body', '*.password', '*.token', '*.stanza', '*.xml', '*.user', '*.username', '*.jid',
];

export function createLogger(options: { level: LogLevel; format: LogFormat; destination?: pino.DestinationStream }): Logger {
  const pretty = options.format === 'pretty' || (options.format === 'auto' && process.stdout.isTTY === true);
  const base: pino.LoggerOptions = {
    level: options.level,
    base: { service: 'conexizan' },
    redact: { paths: REDACTED_FIELDS, censor: '[hidden]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (options.destination) return pino(base, options.destination);
  if (pretty) return pino({ ...base, transport: { target: 'pino-pretty', options: { colorize: true } } });
  return pino(base);
}
