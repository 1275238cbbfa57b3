import { RE2JS } from 're2js';

/**
 * Regular expressions in RE2's syntax (Go's `regexp`, which Alertmanager's matchers use), matched in time
 * linear in the text by re2js, a port of RE2. A silence's regex is written by one organization and run
 * on every event of its project: JavaScript's backtracking engine would let a pattern such as `(a|a)*b`
 * hold a worker for the age of the universe, and would accept lookarounds and backreferences that
 * Alertmanager refuses. Refusals carry RE2's own message, the one Alertmanager answers with.
 */

/** A compiled pattern. */
export interface LinearRegex {
  /** Whether the whole of `text` matches (the pattern is anchored at both ends, as Alertmanager's are). */
  test(text: string): boolean;
}

/** A pattern compiled, or why it is not one. */
export type RegexResult =
  | { readonly ok: true; readonly regex: LinearRegex }
  | { readonly ok: false; readonly message: string };

/** Compiles `source` as RE2 does, anchored at both ends; a pattern RE2 would refuse is refused. */
export function compileRegex(source: string): RegexResult {
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(source);
  } catch (error) {
    return { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
  return { ok: true, regex: { test: (text) => compiled.matches(text) } };
}
