import type { Migration } from 'kysely';
import { tenancy } from './001-tenancy.js';

/** Every migration, in order; names are stable forever once released. */
export const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '001-tenancy': tenancy,
};
