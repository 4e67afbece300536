/**
 * Reading a column the same way whichever backend returned it: SQLite keeps
 * Prisma's DateTime as integer milliseconds and Boolean as 0/1, and returns
 * integers as numbers; PostgreSQL returns timestamps as Dates, booleans as
 * booleans and BIGINT as decimal strings.
 */
export function asDate(value: unknown): Date {
  if (value instanceof Date) return value;
  if (typeof value === 'number' || typeof value === 'bigint') return new Date(Number(value));
  throw new TypeError(`not a stored date: ${String(value)}`);
}

export function asBoolean(value: unknown): boolean {
  return value === true || value === 1 || value === 1n;
}

export function asBigInt(value: unknown): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' || typeof value === 'string') return BigInt(value);
  throw new TypeError(`not a stored integer: ${String(value)}`);
}

export function asNumber(value: unknown): number {
  return typeof value === 'number' ? value : Number(value);
}
