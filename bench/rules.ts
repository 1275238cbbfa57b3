/**
 * Rules engine throughput: 1,000 varied rules of one project (no frequency conditions) evaluated against
 * generated events, the way the engine does per event: appliesTo, the action interval, then matches.
 * Run with `npx tsx bench/rules.ts [rules] [events]`; bench/run.ts calls {@link measureRules}.
 */

import { pathToFileURL } from 'node:url';
import type { HeraldEvent, IssueSnapshot, Level } from '../src/events/event.js';
import { initialPriority } from '../src/events/issue-state.js';
import type { RuleInput } from '../src/rules/condition.js';
import { type CompiledRule, compileRule } from '../src/rules/evaluate.js';
import { parseRuleBody } from '../src/rules/rule-schema.js';

const NOW = Date.parse('2026-01-01T12:00:00Z');

/** A small seeded generator, so every run measures the same rules and events. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const rnd = random(42);
const pick = <T>(items: readonly T[]): T => items[Math.floor(rnd() * items.length)]!;
const BROWSERS = ['Chrome', 'Firefox', 'Safari', 'Edge', 'Opera'];
const OSES = ['Windows', 'macOS', 'Linux', 'iOS', 'Android'];
const SERVERS = Array.from({ length: 20 }, (_, i) => `web-${i}`);
const ENVIRONMENTS = ['production', 'staging', 'development'];
const LEVELS: Level[] = ['debug', 'info', 'warning', 'error', 'fatal'];
const EXCEPTIONS = ['TypeError', 'ValueError', 'TimeoutError', 'KeyError', 'DatabaseError'];
const OPERATORS = ['eq', 'ne', 'sw', 'nsw', 'ew', 'new', 'co', 'nc', 'in', 'nin', 'is', 'ns'] as const;

const filterMakers: (() => object)[] = [
  () => ({ id: 'tagged_event', key: 'browser', match: pick(OPERATORS), value: pick(BROWSERS).slice(0, 4) }),
  () => ({ id: 'tagged_event', key: 'os', match: 'in', value: `${pick(OSES)}, ${pick(OSES)}` }),
  () => ({ id: 'tagged_event', key: 'server_name', match: pick(OPERATORS), value: pick(SERVERS) }),
  () => ({ id: 'event_attribute', attribute: 'message', match: pick(['co', 'nc', 'sw']), value: 'timeout' }),
  () => ({ id: 'event_attribute', attribute: 'exception.type', match: 'eq', value: pick(EXCEPTIONS) }),
  () => ({ id: 'event_attribute', attribute: 'stacktrace.filename', match: 'ew', value: '.py' }),
  () => ({ id: 'event_attribute', attribute: 'http.status_code', match: 'gte', value: '500' }),
  () => ({
    id: 'event_attribute',
    attribute: 'extra.order.total',
    match: 'gt',
    value: String(Math.floor(rnd() * 500)),
  }),
  () => ({ id: 'event_attribute', attribute: 'user.email', match: 'ew', value: '@example.com' }),
  () => ({ id: 'level', match: pick(['eq', 'gte', 'lte']), level: pick(LEVELS) }),
  () => ({
    id: 'age_comparison',
    comparisonType: pick(['older', 'newer']),
    value: 1 + Math.floor(rnd() * 30),
    time: 'day',
  }),
  () => ({ id: 'issue_occurrences', value: 1 + Math.floor(rnd() * 100) }),
  () => ({ id: 'assigned_to', targetType: 'Unassigned' }),
  () => ({ id: 'latest_release' }),
  () => ({ id: 'issue_category', value: 'error' }),
];
const CONDITIONS = ['every_event', 'first_seen_event', 'regression_event', 'reappeared_event'];

function makeRule(i: number): CompiledRule {
  const body = parseRuleBody({
    name: `rule ${i}`,
    environment: rnd() < 0.3 ? pick(ENVIRONMENTS) : null,
    actionMatch: pick(['all', 'any', 'any']),
    filterMatch: pick(['all', 'all', 'any', 'none']),
    frequency: pick([0, 5, 30, 60]),
    conditions: Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => ({ id: pick(CONDITIONS) })),
    filters: Array.from({ length: Math.floor(rnd() * 5) }, () => pick(filterMakers)()),
    actions: [{ id: 'notify_email', targetType: 'IssueOwners', fallthroughType: 'ActiveMembers' }],
  });
  return compileRule({ ...body, id: `rule_${i}` });
}

function makeInput(i: number): RuleInput {
  const event: HeraldEvent = {
    eventId: `e${i}`,
    timestamp: NOW,
    level: pick(LEVELS),
    message: pick(['Request timeout after 30s', 'Cannot read properties of undefined', 'Deadlock detected']),
    platform: 'python',
    environment: pick(ENVIRONMENTS),
    release: pick(['shop@1.0.0', 'shop@1.1.0']),
    type: 'error',
    tags: [
      ['browser', `${pick(BROWSERS)} ${100 + Math.floor(rnd() * 30)}`],
      ['os', pick(OSES)],
      ['server_name', pick(SERVERS)],
      ['customer_tier', pick(['free', 'pro', 'enterprise'])],
      ['region', pick(['eu', 'us', 'ap'])],
      ['feature', 'checkout'],
      ['feature', 'payments'],
    ],
    user: { id: `u${i % 500}`, email: `user${i % 500}@example.com` },
    exception: {
      values: [
        {
          type: pick(EXCEPTIONS),
          value: 'upstream did not answer',
          mechanism: { type: 'generic', handled: rnd() < 0.5 },
          stacktrace: {
            frames: [
              { filename: 'app/views.py', function: 'checkout', module: 'app.views' },
              { filename: 'lib/db.py', function: 'query', module: 'lib.db' },
            ],
          },
        },
      ],
    },
    request: { method: 'POST', url: 'https://shop.example.com/checkout' },
    extra: { order: { id: i, total: Math.floor(rnd() * 1000) } },
    contexts: { response: { status_code: pick([200, 404, 500, 503]) } },
    sdk: { name: 'sentry.python', version: '2.0.0' },
    fingerprint: null,
    raw: {},
  };
  const issue: IssueSnapshot = {
    id: `i${i % 200}`,
    projectId: 'p1',
    status: rnd() < 0.9 ? 'unresolved' : 'resolved',
    title: 'Error',
    level: event.level,
    category: 'error',
    firstSeen: NOW - Math.floor(rnd() * 60) * 86_400_000,
    lastSeen: NOW,
    timesSeen: 1 + Math.floor(rnd() * 200),
    assignee: rnd() < 0.5 ? null : { type: 'user', id: 'u1' },
    priority: initialPriority(event.level),
  };
  return {
    event,
    issue,
    outcome: {
      isNew: rnd() < 0.1,
      isRegression: rnd() < 0.05,
      isReappeared: rnd() < 0.02,
      isNewInEnvironment: rnd() < 0.1,
    },
    now: NOW,
    latestRelease: 'shop@1.1.0',
    frequency: { count: () => Promise.reject(new Error('no frequency conditions in this bench')) },
  };
}

/** Evaluates every rule on every input, as the engine would; returns how many rules fired. */
function run(rules: readonly CompiledRule[], inputs: readonly RuleInput[]): number {
  let fired = 0;
  for (const input of inputs) {
    for (const rule of rules) {
      if (!rule.appliesTo(input) || rule.isWithinActionInterval(null, input.now)) continue;
      const result = rule.matches(input);
      // The latest release is given, not read, so only a count would be awaited: none is in these rules.
      if (typeof result !== 'boolean') throw new Error('the bench rules must not read counts');
      if (result) fired++;
    }
  }
  return fired;
}

/** What one rules run measured. */
export interface RulesFigures {
  readonly rules: number;
  readonly events: number;
  readonly evaluations: number;
  readonly compileMs: number;
  readonly seconds: number;
  readonly evaluationsPerSecond: number;
  readonly eventsPerSecond: number;
  readonly fired: number;
}

/** Compiles `ruleCount` seeded rules and evaluates each on `eventCount` seeded events, after a warm-up. */
export function measureRules(ruleCount: number, eventCount: number): RulesFigures {
  const compileStart = performance.now();
  const rules = Array.from({ length: ruleCount }, (_, i) => makeRule(i));
  const compileMs = performance.now() - compileStart;
  run(
    rules,
    Array.from({ length: 200 }, (_, i) => makeInput(-i - 1)),
  ); // warm-up
  const inputs = Array.from({ length: eventCount }, (_, i) => makeInput(i));
  const start = performance.now();
  const fired = run(rules, inputs);
  const seconds = (performance.now() - start) / 1000;
  const evaluations = ruleCount * eventCount;
  return {
    rules: ruleCount,
    events: eventCount,
    evaluations,
    compileMs: Math.round(compileMs),
    seconds: Number(seconds.toFixed(3)),
    evaluationsPerSecond: Math.round(evaluations / seconds),
    eventsPerSecond: Math.round(eventCount / seconds),
    fired,
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const figures = measureRules(Number(process.argv[2] ?? 1000), Number(process.argv[3] ?? 2000));
  console.table([
    {
      rules: figures.rules,
      events: figures.events,
      evaluations: figures.evaluations,
      'compile ms': figures.compileMs,
      seconds: figures.seconds,
      'evaluations/s': figures.evaluationsPerSecond,
      'events/s': figures.eventsPerSecond,
      fired: figures.fired,
    },
  ]);
}
