import type { FieldProblem } from '../errors.js';
import type { HeraldEvent, StackFrame } from '../events/event.js';

/** What a rule looks at: file paths of frames, modules of frames, the request URL, or one tag. */
export type MatcherType = 'path' | 'module' | 'url' | `tags.${string}`;

/** An owner as written: a member's email or a team's slug (`#billing` in the text form). */
export interface OwnerName {
  readonly type: 'user' | 'team';
  /** Lower-cased email, or the team slug without `#`. */
  readonly identifier: string;
}

/** One ownership rule; `O` is how owners are named (as written, or resolved to ids). */
export interface OwnershipRule<O = OwnerName> {
  readonly matcher: { readonly type: MatcherType; readonly pattern: string };
  readonly owners: readonly O[];
}

/** The result of parsing: the rules, or the problems, each naming its line (`line.3`) or list entry. */
export type ParsedOwnership =
  | { readonly ok: true; readonly rules: OwnershipRule[] }
  | { readonly ok: false; readonly problems: FieldProblem[] };

const TAG_KEY = /^tags\.([\w.:-]{1,200})$/;

/** True when `type` is a matcher this module evaluates. */
export function isMatcherType(type: string): type is MatcherType {
  return type === 'path' || type === 'module' || type === 'url' || TAG_KEY.test(type);
}

/**
 * Parses Sentry's ownership syntax: one rule a line, `type:pattern owner…`, owners being emails or
 * `#team-slug`; blank lines and lines starting with `#` are skipped. A rule without owners is kept: when
 * it is the last match, it says nobody owns the event (the fallthrough then applies).
 */
export function parseOwnershipText(text: string): ParsedOwnership {
  const rules: OwnershipRule[] = [];
  const problems: FieldProblem[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    if (isSkipped(raw)) return;
    const line = raw.trim();
    const [head = '', ...owners] = line.split(/\s+/);
    const rule = parseRule(head, owners, `line.${index + 1}`, problems);
    if (rule) rules.push(rule);
  });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, rules };
}

/** Parses the JSON form: `[{ "matcher": { "type", "pattern" }, "owners": ["a@x.com", "#team"] }]`. */
export function parseOwnershipList(list: readonly unknown[]): ParsedOwnership {
  const rules: OwnershipRule[] = [];
  const problems: FieldProblem[] = [];
  list.forEach((entry, i) => {
    const at = `rules.${i}`;
    const { matcher, owners } = (typeof entry === 'object' && entry !== null ? entry : {}) as {
      matcher?: { type?: unknown; pattern?: unknown };
      owners?: unknown;
    };
    if (typeof matcher?.type !== 'string' || typeof matcher.pattern !== 'string') {
      problems.push({ path: `${at}.matcher`, message: 'Expected { type, pattern } strings' });
      return;
    }
    if (!Array.isArray(owners) || owners.some((o) => typeof o !== 'string')) {
      problems.push({ path: `${at}.owners`, message: 'Expected a list of emails and #team slugs' });
      return;
    }
    const rule = parseRule(`${matcher.type}:${matcher.pattern}`, owners as string[], at, problems);
    if (rule) rules.push(rule);
  });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, rules };
}

function parseRule(
  head: string,
  owners: readonly string[],
  at: string,
  problems: FieldProblem[],
): OwnershipRule | null {
  const colon = head.indexOf(':');
  const type = colon > 0 ? head.slice(0, colon) : '';
  const pattern = colon > 0 ? head.slice(colon + 1) : '';
  if (!isMatcherType(type)) {
    problems.push({ path: at, message: 'Expected path:, module:, url: or tags.<key>: before the pattern' });
    return null;
  }
  if (pattern === '' || pattern.length > 500 || /\s/.test(pattern)) {
    problems.push({ path: at, message: 'Expected a pattern of 1 to 500 characters without spaces' });
    return null;
  }
  const names: OwnerName[] = [];
  for (const owner of owners) {
    if (/^#[\w-]{1,64}$/.test(owner)) names.push({ type: 'team', identifier: owner.slice(1).toLowerCase() });
    else if (/^[^\s@#]+@[^\s@]+$/.test(owner)) names.push({ type: 'user', identifier: owner.toLowerCase() });
    else problems.push({ path: at, message: `"${owner}" is neither an email nor a #team-slug` });
  }
  return { matcher: { type, pattern }, owners: names };
}

/**
 * Writes rules back in the text form, one a line, in the layout of `sent` (the text they were parsed
 * from) when given: its comments and blank lines kept.
 */
export function formatOwnershipText(rules: readonly OwnershipRule[], sent?: string): string {
  const lines = rules.map((r) =>
    [
      `${r.matcher.type}:${r.matcher.pattern}`,
      ...r.owners.map((o) => (o.type === 'team' ? `#${o.identifier}` : o.identifier)),
    ].join(' '),
  );
  // The text as sent keeps its comments and blank lines where they were; each rule's line is written
  // anew, with its owners' names as they are now. A text that no longer has one line a rule is not used.
  const layout = sent?.split(/\r?\n/);
  if (!layout || layout.filter((line) => !isSkipped(line)).length !== lines.length) return lines.join('\n');
  let next = 0;
  return layout.map((line) => (isSkipped(line) ? line : lines[next++])).join('\n');
}

/** A line of the text form that holds no rule: blank, or a comment. */
export function isSkipped(line: string): boolean {
  const trimmed = line.trim();
  return trimmed === '' || trimmed.startsWith('#');
}

/** The owners of an event: those of the last rule that matches it (Sentry semantics), or none. */
export function issueOwners<O>(rules: readonly OwnershipRule<O>[], event: HeraldEvent): readonly O[] {
  for (let i = rules.length - 1; i >= 0; i--) {
    const rule = rules[i];
    if (rule && ruleMatches(rule.matcher, event)) return rule.owners;
  }
  return [];
}

/** True when one matcher matches the event; missing data never matches. */
export function ruleMatches(matcher: OwnershipRule['matcher'], event: HeraldEvent): boolean {
  const { type, pattern } = matcher;
  if (type === 'path') {
    const test = pathGlob(pattern);
    return framesOf(event).some((f) =>
      [f.filename, f.abs_path].some((v) => typeof v === 'string' && test(v)),
    );
  }
  if (type === 'module') {
    const test = plainGlob(pattern);
    return framesOf(event).some((f) => typeof f.module === 'string' && test(f.module));
  }
  if (type === 'url') {
    const url = event.request?.url;
    return typeof url === 'string' && plainGlob(pattern)(url);
  }
  const key = type.slice('tags.'.length).toLowerCase();
  const test = plainGlob(pattern);
  return event.tags.some(([k, v]) => k.toLowerCase() === key && test(v));
}

function framesOf(event: HeraldEvent): StackFrame[] {
  const frames: StackFrame[] = [];
  for (const value of event.exception?.values ?? []) frames.push(...(value.stacktrace?.frames ?? []));
  // SDKs put a bare stack (captureMessage with attachStacktrace) at the top level.
  const top = event.raw.stacktrace as { frames?: unknown } | undefined;
  if (Array.isArray(top?.frames)) {
    frames.push(...top.frames.filter((f): f is StackFrame => typeof f === 'object' && f !== null));
  }
  return frames;
}

/** A glob where `*` and `?` match any character: modules, URLs, tag values. Case-insensitive. */
export function plainGlob(pattern: string): (value: string) => boolean {
  let source = '';
  for (const ch of pattern) source += ch === '*' ? '.*' : ch === '?' ? '.' : escapeChar(ch);
  const re = new RegExp(`^${source}$`, 'is');
  return (value) => re.test(value);
}

/**
 * A path glob in the manner of CODEOWNERS: `*` and `?` stay within a segment, `**` crosses segments,
 * a trailing `/` means everything below. A pattern matches the whole path or any trailing run of whole
 * segments (`src/billing/**` matches `/app/src/billing/x.ts`); a leading `/` anchors it to the start.
 */
export function pathGlob(pattern: string): (value: string) => boolean {
  let p = pattern.replace(/\\/g, '/').replace(/^\.\//, '');
  const anchored = p.startsWith('/');
  if (anchored) p = p.replace(/^\/+/, '');
  if (p.endsWith('/')) p += '**';
  let source = '';
  for (let i = 0; i < p.length; i++) {
    const ch = p[i] ?? '';
    if (ch === '*' && p[i + 1] === '*') {
      if (p[i + 2] === '/') {
        source += '(?:.*/)?';
        i += 2;
      } else {
        source += '.*';
        i += 1;
      }
    } else if (ch === '*') source += '[^/]*';
    else if (ch === '?') source += '[^/]';
    else source += escapeChar(ch);
  }
  const re = new RegExp(`^${anchored ? '/?' : '(?:.*/)?'}${source}$`, 'is');
  return (value) => re.test(value.replace(/\\/g, '/').replace(/^\.\//, ''));
}

function escapeChar(ch: string): string {
  return /[\\^$.|?*+()[\]{}/]/.test(ch) ? `\\${ch}` : ch;
}
