import { createHash } from 'node:crypto';
import type pg from 'pg';
import { pgLibrary } from './cluster-libraries.js';

/** Statements named per process at most: each connection keeps one server-side plan for each. */
const MAX_NAMED = 500;

/**
 * The statement names of one process: a parameterized SQL text run a second time gets a name (a one-off
 * text never does), up to {@link MAX_NAMED} texts; the same text always gets the same name.
 */
export function statementNames(max = MAX_NAMED) {
  const seen = new Set<string>();
  const names = new Map<string, string>();
  return (text: string): string | undefined => {
    const known = names.get(text);
    if (known !== undefined || names.size >= max) return known;
    if (!seen.has(text)) {
      if (seen.size < max * 4) seen.add(text);
      return undefined;
    }
    seen.delete(text);
    const name = `herald_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
    names.set(text, name);
    return name;
  };
}

/**
 * A pg client that runs the statements the pipeline repeats as named prepared statements: PostgreSQL
 * parses and plans each once per connection instead of on every run (Kysely sends unnamed ones). On a
 * small machine that is about a third of what a short statement costs the server, and every event runs
 * about twenty. A named statement is a session object on the server, kept across transactions and
 * their rollbacks; pg parses it again on a connection where its first parse failed.
 */
export function namedStatementsClient(nameOf: (text: string) => string | undefined): typeof pg.Client {
  return class NamedStatementsClient extends pgLibrary().Client {
    // biome-ignore lint/suspicious/noExplicitAny: pg's query() has a dozen overloads; this passes them through.
    override query(config: any, values?: any, callback?: any): any {
      if (typeof config === 'string' && Array.isArray(values) && values.length > 0) {
        const name = nameOf(config);
        if (name !== undefined) return super.query({ name, text: config, values }, callback);
      }
      return super.query(config, values, callback);
    }
  } as typeof pg.Client;
}
