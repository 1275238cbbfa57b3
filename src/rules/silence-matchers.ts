import { z } from 'zod';
import type { HeraldEvent } from '../events/event.js';
import { MAX_TAG_LENGTH } from '../events/event-schema.js';
import { compileRegex } from './linear-regex.js';

/** Most matchers one silence may have. */
export const MAX_MATCHERS = 20;
/** Longest matcher value (a regex included). */
export const MAX_MATCHER_VALUE = 1000;

/** One matcher of a silence, Alertmanager's shape: a label (tag) name, a value, and how they compare. */
export interface SilenceMatcher {
  readonly name: string;
  readonly value: string;
  /** The value is a regular expression (RE2 syntax, matched against the whole tag value). */
  readonly isRegex: boolean;
  /** False negates: the matcher matches when the tag does not equal (or match) the value. */
  readonly isEqual: boolean;
}

/**
 * A matcher as the API takes it (Alertmanager's `matcher`): `isRegex` defaults to false, `isEqual` to
 * true; a regex that RE2 would refuse is refused here, at `value`.
 */
export const matcherSchema = z
  .object({
    name: z.string().min(1).max(MAX_TAG_LENGTH).describe('The tag (for Alertmanager alerts, the label) name'),
    value: z.string().max(MAX_MATCHER_VALUE),
    isRegex: z
      .boolean()
      .default(false)
      .describe('The value is an RE2 regular expression, anchored at both ends'),
    isEqual: z.boolean().default(true).describe('False negates the matcher'),
  })
  .superRefine((matcher, ctx) => {
    if (!matcher.isRegex) return;
    const compiled = compileRegex(matcher.value);
    if (!compiled.ok)
      ctx.addIssue({
        code: 'custom',
        path: ['value'],
        message: `is not a valid regular expression: ${compiled.message}`,
      });
  });

/**
 * A silence's matchers: 1 to {@link MAX_MATCHERS}, and, as Alertmanager insists, not all of them
 * matching the empty string, so no silence mutes every event of a project by accident.
 */
export const matchersSchema = z
  .array(matcherSchema)
  .min(1, 'must have at least one matcher')
  .max(MAX_MATCHERS, `must have at most ${MAX_MATCHERS} matchers`)
  .superRefine((matchers, ctx) => {
    const compiled = matchers.map((m) => (m.isRegex && !compileRegex(m.value).ok ? null : compileMatcher(m)));
    // None (said above), or a bad regex, which is named at its own path.
    if (compiled.length === 0 || compiled.some((m) => m === null)) return;
    if (compiled.every((m) => m!.test(''))) {
      ctx.addIssue({
        code: 'custom',
        message: 'at least one matcher must not match the empty string (a missing tag)',
      });
    }
  });

/** Matchers as stored (a JSON array); none when the text is not one. */
export function storedMatchers(text: string): SilenceMatcher[] {
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) ? (value as SilenceMatcher[]) : [];
  } catch {
    return [];
  }
}

/** Matchers as stored and compared: the four fields in a fixed order, as JSON. */
export function matchersText(matchers: readonly SilenceMatcher[]): string {
  return JSON.stringify(
    matchers.map(({ name, value, isRegex, isEqual }) => ({ name, value, isRegex, isEqual })),
  );
}

/** A matcher compiled once: `test` tells whether a tag value (the empty string when absent) matches. */
export interface CompiledMatcher {
  readonly name: string;
  test(value: string): boolean;
}

/** Compiles a matcher whose regex, if any, has been validated. */
export function compileMatcher(matcher: SilenceMatcher): CompiledMatcher {
  let positive: (value: string) => boolean;
  if (matcher.isRegex) {
    const compiled = compileRegex(matcher.value);
    // Stored matchers were validated on the way in; one that no longer compiles matches nothing.
    positive = compiled.ok ? (value) => compiled.regex.test(value) : () => false;
  } else {
    positive = (value) => value === matcher.value;
  }
  return { name: matcher.name, test: matcher.isEqual ? positive : (value) => !positive(value) };
}

/** Fields a matcher of that name falls back to when the event has no tag of the name. */
const EVENT_FIELDS: Readonly<Record<string, (event: HeraldEvent) => string | null>> = {
  environment: (event) => event.environment,
  level: (event) => event.level,
  release: (event) => event.release,
};

/**
 * The values matchers compare with, read from an event: its tags (an Alertmanager alert's labels are
 * its tags; the first of a repeated key counts), else for `environment`, `level` and `release` the
 * event's field of that name, else the empty string, as Alertmanager reads a missing label.
 */
export function eventValues(event: HeraldEvent): (name: string) => string {
  let tags: Map<string, string> | undefined;
  return (name) => {
    if (!tags) {
      tags = new Map();
      for (const [key, value] of event.tags) if (!tags.has(key)) tags.set(key, value);
    }
    const tagged = tags.get(name);
    if (tagged !== undefined) return tagged;
    return EVENT_FIELDS[name]?.(event) ?? '';
  };
}

/** Whether every matcher matches (a silence's matchers are all required). */
export function allMatch(matchers: readonly CompiledMatcher[], tagValue: (name: string) => string): boolean {
  return matchers.every((m) => m.test(tagValue(m.name)));
}

/**
 * Parses one of Alertmanager's matcher strings as amtool sends them in `filter`: `name="value"`,
 * `name=value`, `name!=value`, `name=~"regex"`, `name!~"regex"`. Null when it is none.
 */
export function parseMatcherText(text: string): SilenceMatcher | null {
  const found = /^\s*([^\s=!~"]+)\s*(=~|!~|!=|=)\s*(.*?)\s*$/s.exec(text.replace(/^\{(.*)\}$/s, '$1'));
  if (!found) return null;
  const [, name, operator, raw] = found as unknown as [string, string, string, string];
  let value = raw;
  if (raw.startsWith('"')) {
    if (raw.length < 2 || !raw.endsWith('"')) return null;
    try {
      value = JSON.parse(raw) as string;
    } catch {
      return null;
    }
  }
  const matcher = { name, value, isRegex: operator.endsWith('~'), isEqual: !operator.startsWith('!') };
  return matcher.isRegex && !compileRegex(value).ok ? null : matcher;
}
