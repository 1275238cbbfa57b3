import type { HeraldEvent, IngestOutcome, IssueSnapshot } from '../events/event.js';
import type { FrequencyReader, RuleInput } from './condition.js';
import { compileRule } from './evaluate.js';
import { conditionSchema, filterSchema, type RuleLogic } from './rule-schema.js';

/** The time every fixture starts from, so tests read as offsets from it. */
export const T0 = Date.parse('2026-01-01T12:00:00Z');

/** A plain error event; tests override only what they look at. */
export function makeEvent(overrides: Partial<HeraldEvent> = {}): HeraldEvent {
  return {
    eventId: 'e1',
    timestamp: T0,
    level: 'error',
    message: 'Something broke',
    platform: 'javascript',
    environment: 'production',
    release: null,
    type: 'error',
    tags: [],
    user: null,
    exception: null,
    request: null,
    extra: {},
    contexts: {},
    sdk: null,
    fingerprint: null,
    raw: {},
    ...overrides,
  };
}

/** An unresolved error issue seen once, at {@link T0}. */
export function makeIssue(overrides: Partial<IssueSnapshot> = {}): IssueSnapshot {
  return {
    id: 'i1',
    projectId: 'p1',
    status: 'unresolved',
    title: 'Error: Something broke',
    level: 'error',
    category: 'error',
    firstSeen: T0,
    lastSeen: T0,
    timesSeen: 1,
    assignee: null,
    priority: 'high',
    ...overrides,
  };
}

/** A reader that fails the test if a rule reads counts it should not have needed. */
export const noCounts: FrequencyReader = {
  count: () => Promise.reject(new Error('frequency was read')),
};

/** An input for an event that neither created nor revived its issue. */
export function makeInput(
  overrides: Partial<Omit<RuleInput, 'outcome'>> & { outcome?: Partial<IngestOutcome> } = {},
): RuleInput {
  const { outcome, ...rest } = overrides;
  return {
    event: makeEvent(),
    issue: makeIssue(),
    now: T0,
    latestRelease: null,
    frequency: noCounts,
    ...rest,
    outcome: {
      isNew: false,
      isRegression: false,
      isReappeared: false,
      isNewInEnvironment: false,
      ...outcome,
    },
  };
}

/** Validates one filter node and evaluates it alone against an input. */
export function filterPasses(node: unknown, input: RuleInput): boolean | Promise<boolean> {
  return compileRule({ ...logic(), id: 'r', filters: [filterSchema.parse(node)] }).matches(input);
}

/** Validates one condition node and evaluates it alone, in a rule of the given environment. */
export function conditionPasses(
  node: unknown,
  input: RuleInput,
  environment: string | null = null,
): boolean | Promise<boolean> {
  return compileRule({ ...logic(), environment, id: 'r', conditions: [conditionSchema.parse(node)] }).matches(
    input,
  );
}

function logic(): RuleLogic {
  return {
    environment: null,
    actionMatch: 'all',
    filterMatch: 'all',
    frequency: 30,
    conditions: [],
    filters: [],
  };
}
