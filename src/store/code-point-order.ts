/**
 * Orders strings by UTF-16 code unit, as the databases' binary collation of ids and keys does. Rows one
 * statement locks are taken in this order, so two writers with overlapping sets on PostgreSQL lock them
 * in one order and never deadlock.
 */
export function codePointOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
