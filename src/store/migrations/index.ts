import type { Migration } from 'kysely';
import { tenancy } from './001-tenancy.js';
import { events } from './002-events.js';
import { rules } from './003-rules.js';
import { people } from './004-people.js';
import { templates } from './005-templates.js';

/** Every migration, in order; names are stable forever once released. */
export const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '001-tenancy': tenancy,
  '002-events': events,
  '003-rules': rules,
  '004-people': people,
  '005-templates': templates,
};
