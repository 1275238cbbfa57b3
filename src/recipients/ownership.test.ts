import { describe, expect, it } from 'vitest';
import type { HeraldEvent, StackFrame } from '../events/event.js';
import {
  formatOwnershipText,
  issueOwners,
  parseOwnershipList,
  parseOwnershipText,
  pathGlob,
  plainGlob,
} from './ownership.js';

function event(parts: {
  frames?: StackFrame[];
  url?: string;
  tags?: [string, string][];
  raw?: Record<string, unknown>;
}): HeraldEvent {
  return {
    eventId: 'e1',
    timestamp: 0,
    level: 'error',
    message: 'boom',
    platform: 'node',
    environment: null,
    release: null,
    type: 'error',
    tags: parts.tags ?? [],
    user: null,
    exception: parts.frames ? { values: [{ type: 'Error', stacktrace: { frames: parts.frames } }] } : null,
    request: parts.url ? { url: parts.url } : null,
    extra: {},
    contexts: {},
    sdk: null,
    fingerprint: null,
    raw: parts.raw ?? {},
  };
}

function rules(text: string) {
  const parsed = parseOwnershipText(text);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.rules;
}

const ownerNames = (owners: readonly { type: string; identifier: string }[]) =>
  owners.map((o) => (o.type === 'team' ? `#${o.identifier}` : o.identifier));

describe('parseOwnershipText', () => {
  it('reads every matcher type, emails and #teams, skipping comments and blank lines', () => {
    const parsed = rules(`# billing
path:src/billing/** #billing-team Alice@Example.com

module:app.payments.* bob@example.com
url:https://*.example.com/checkout/* #web
tags.browser:Chrome* carol@example.com`);
    expect(parsed.map((r) => r.matcher)).toEqual([
      { type: 'path', pattern: 'src/billing/**' },
      { type: 'module', pattern: 'app.payments.*' },
      { type: 'url', pattern: 'https://*.example.com/checkout/*' },
      { type: 'tags.browser', pattern: 'Chrome*' },
    ]);
    expect(ownerNames(parsed[0]!.owners)).toEqual(['#billing-team', 'alice@example.com']);
    expect(formatOwnershipText(parsed).split('\n')[0]).toBe(
      'path:src/billing/** #billing-team alice@example.com',
    );
  });

  it('writes rules back in the layout of the text they came from, its comments and blank lines kept', () => {
    const sent =
      '# Owners of the checkout\n\npath:src/**   #web\n  # billing: ask Alice\npath:src/billing/** ALICE@example.com';
    const parsed = rules(sent);
    expect(formatOwnershipText(parsed, sent)).toBe(
      '# Owners of the checkout\n\npath:src/** #web\n  # billing: ask Alice\npath:src/billing/** alice@example.com',
    );
    // A layout with another number of rule lines is not used: the rules alone are written.
    expect(formatOwnershipText(parsed, '# one rule\npath:src/** #web')).toBe(
      'path:src/** #web\npath:src/billing/** alice@example.com',
    );
  });

  it('names the line of every malformed rule', () => {
    const parsed = parseOwnershipText(
      'path:src/** alice@example.com\nfile:x.ts bob@example.com\n\npath:a/** not-an-owner',
    );
    expect(parsed).toEqual({
      ok: false,
      problems: [
        { path: 'line.2', message: 'Expected path:, module:, url: or tags.<key>: before the pattern' },
        { path: 'line.4', message: '"not-an-owner" is neither an email nor a #team-slug' },
      ],
    });
  });

  it('reads the JSON list form and names bad entries', () => {
    const ok = parseOwnershipList([{ matcher: { type: 'path', pattern: '*.py' }, owners: ['#py'] }]);
    expect(ok.ok && ok.rules[0]?.owners).toEqual([{ type: 'team', identifier: 'py' }]);
    const bad = parseOwnershipList([
      { matcher: { type: 'path' }, owners: [] },
      { matcher: { type: 'url', pattern: 'x' }, owners: [3] },
    ]);
    expect(bad.ok ? [] : bad.problems.map((p) => p.path)).toEqual(['rules.0.matcher', 'rules.1.owners']);
  });
});

describe('globs', () => {
  it.each([
    ['src/billing/**', 'src/billing/invoice.ts', true],
    ['src/billing/**', '/app/src/billing/deep/invoice.ts', true],
    ['src/billing/**', './src/billing/a.ts', true],
    ['src/billing/**', 'src/billingx/a.ts', false],
    ['src/*.ts', 'src/a.ts', true],
    ['src/*.ts', 'src/a/b.ts', false],
    ['src/**/*.ts', 'src/a.ts', true],
    ['src/**/*.ts', 'src/a/b/c.ts', true],
    ['*.py', 'app/models/user.py', true],
    ['*.py', 'app/models/user.pyc', false],
    ['/src/**', 'lib/src/a.ts', false],
    ['/src/**', 'src/a.ts', true],
    ['src/?.ts', 'src/a.ts', true],
    ['src/?.ts', 'src/ab.ts', false],
    ['src/web/', 'src/web/app/page.tsx', true],
    ['SRC/Billing/**', 'src\\billing\\a.ts', true],
  ])('path %s against %s → %s', (pattern, value, expected) => {
    expect(pathGlob(pattern)(value)).toBe(expected);
  });

  it.each([
    ['app.payments.*', 'app.payments.charge', true],
    ['app.payments.*', 'app.billing.charge', false],
    ['https://*.example.com/checkout/*', 'https://shop.example.com/checkout/step/2', true],
    ['https://*.example.com/checkout/*', 'https://example.org/checkout/1', false],
    ['Chrome*', 'chrome 120', true],
    ['Chrome?', 'Chrome', false],
  ])('plain %s against %s → %s', (pattern, value, expected) => {
    expect(plainGlob(pattern)(value)).toBe(expected);
  });
});

describe('issueOwners', () => {
  const file = rules(`path:src/** #platform
path:src/billing/** #billing alice@example.com
module:app.payments.* bob@example.com
url:https://*.example.com/checkout/* carol@example.com
tags.browser:Firefox* dave@example.com`);

  it('matches frame paths by filename and abs_path', () => {
    expect(ownerNames(issueOwners(file, event({ frames: [{ filename: 'src/api/user.ts' }] })))).toEqual([
      '#platform',
    ]);
    const billing = event({ frames: [{ abs_path: '/srv/app/src/billing/invoice.ts' }] });
    expect(ownerNames(issueOwners(file, billing))).toEqual(['#billing', 'alice@example.com']);
  });

  it('lets the last matching rule win', () => {
    const both = event({
      frames: [{ filename: 'src/billing/invoice.ts', module: 'app.payments.charge' }],
    });
    expect(ownerNames(issueOwners(file, both))).toEqual(['bob@example.com']);
    const all = event({
      frames: [{ filename: 'src/billing/invoice.ts', module: 'app.payments.charge' }],
      url: 'https://shop.example.com/checkout/1',
      tags: [['browser', 'Firefox 120']],
    });
    expect(ownerNames(issueOwners(file, all))).toEqual(['dave@example.com']);
  });

  it('matches request URLs and tags case-insensitively', () => {
    expect(ownerNames(issueOwners(file, event({ url: 'HTTPS://shop.example.com/checkout/x' })))).toEqual([
      'carol@example.com',
    ]);
    expect(ownerNames(issueOwners(file, event({ tags: [['Browser', 'firefox 99']] })))).toEqual([
      'dave@example.com',
    ]);
    expect(issueOwners(file, event({ tags: [['os', 'Firefox']] }))).toEqual([]);
  });

  it('reads a bare top-level stack trace, and owns nothing when nothing matches', () => {
    const bare = event({ raw: { stacktrace: { frames: [{ filename: 'src/billing/a.ts' }] } } });
    expect(ownerNames(issueOwners(file, bare))).toEqual(['#billing', 'alice@example.com']);
    expect(issueOwners(file, event({ frames: [{ filename: 'lib/other.ts' }] }))).toEqual([]);
  });

  it('lets a later rule without owners disown what an earlier one owned', () => {
    const disowning = rules('path:src/** #platform\npath:src/generated/**');
    expect(issueOwners(disowning, event({ frames: [{ filename: 'src/generated/x.ts' }] }))).toEqual([]);
  });
});
