import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
let pgLoaded: typeof import('pg') | undefined;
let ioredisLoaded: typeof import('ioredis') | undefined;

/**
 * The PostgreSQL client library, loaded when the cluster profile (or a PostgreSQL database) first needs
 * it: the embedded profile never does, and it and ioredis ({@link ioredisLibrary}) were about 5 MB of
 * heap in every embedded process. Loading it sets how it reads bigint and numeric values: PostgreSQL
 * answers them (and count(*)) as strings, and Herald's times are epoch milliseconds, which fit a double.
 */
export function pgLibrary(): typeof import('pg') {
  if (!pgLoaded) {
    const pg = require('pg') as typeof import('pg');
    pg.types.setTypeParser(20, (value) => Number(value));
    pg.types.setTypeParser(1700, (value) => Number(value));
    pgLoaded = pg;
  }
  return pgLoaded;
}

/** The Redis client library, loaded when the cluster profile first connects to Redis. */
export function ioredisLibrary(): typeof import('ioredis') {
  ioredisLoaded ??= require('ioredis') as typeof import('ioredis');
  return ioredisLoaded;
}
