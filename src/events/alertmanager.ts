import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { FieldProblem } from '../errors.js';
import { sha256Hex } from '../security/sha256.js';
import type { Database } from '../store/schema.js';
import { inputProblems, zodProblems } from '../validation.js';
import type { HeraldEvent, Level } from './event.js';
import { storedEvent } from './event-records.js';
import { type EventPayload, MAX_TAG_LENGTH, MAX_TAGS } from './event-schema.js';
import { groupEvent } from './grouping.js';
import { normalizeEvent } from './normalize.js';

/** Most alerts one Alertmanager-compatible request may carry (Prometheus sends at most 256 at once). */
export const MAX_ALERTS = 1000;

/** Go's zero time, which Alertmanager clients send for "not set". */
const GO_ZERO_TIME = Date.parse('0001-01-01T00:00:00Z');

const time = z
  .string()
  .refine((v) => !Number.isNaN(Date.parse(v)), 'must be an RFC 3339 time')
  .nullish();

/** One alert of Alertmanager's `POST /api/v2/alerts` body (`postableAlert`). */
export const postableAlertSchema = z
  .looseObject({
    labels: z
      .record(z.string().min(1), z.string())
      .refine((labels) => Object.keys(labels).length > 0, 'must have at least one label'),
    annotations: z.record(z.string(), z.string()).nullish(),
    startsAt: time,
    endsAt: time,
    generatorURL: z.string().nullish(),
  })
  .refine(
    (alert) => {
      const starts = timeOf(alert.startsAt);
      const ends = timeOf(alert.endsAt);
      return starts === null || ends === null || starts <= ends;
    },
    { message: 'startsAt must not be after endsAt', path: ['endsAt'] },
  );

/** One alert as Prometheus (or anything speaking Alertmanager's v2 API) posts it. */
export type PostableAlert = z.output<typeof postableAlertSchema>;

/** Alertmanager's v2 body: a list of alerts. */
export const postableAlertsSchema = z.array(postableAlertSchema).max(MAX_ALERTS);

/**
 * The alerts of a `POST /api/v2/alerts` body Alertmanager would take, and the problems of those it would
 * not (paths under each alert's index): as Alertmanager does, the valid alerts of a batch are taken though
 * others are refused, so one malformed alert does not drop its neighbours. Labels with an empty value are
 * dropped first, as Alertmanager drops them (an empty label is no label; the fingerprint is taken without
 * it). An alert with what no store can take (a NUL character) is refused, as the API refuses it
 * anywhere else. A body that is not such a list is refused whole (`problems` names it, `alerts` is empty).
 * `refused` counts the alerts refused (an alert may have several problems).
 */
export function takeAlerts(body: unknown): TakenAlerts<PostableAlert[]> {
  const list = postableAlertsShell.safeParse(body);
  if (!list.success) return { alerts: [], problems: zodProblems(list.error), refused: 0 };
  const alerts: PostableAlert[] = [];
  const problems: FieldProblem[] = [];
  let refused = 0;
  for (const [index, item] of list.data.entries()) {
    // What no store can take (a NUL character) refuses the alert, not the batch.
    const unstorable = inputProblems(item, String(index));
    const parsed = unstorable.length > 0 ? null : postableAlertSchema.safeParse(withoutEmptyLabels(item));
    if (parsed?.success) {
      alerts.push(parsed.data);
      continue;
    }
    refused++;
    problems.push(...(parsed ? zodProblems(parsed.error, String(index)) : unstorable));
  }
  return { alerts, problems, refused };
}

/** The alerts of a body taken, the problems of those refused, and how many were refused. */
export interface TakenAlerts<A> {
  readonly alerts: A;
  readonly problems: FieldProblem[];
  readonly refused: number;
}

/** The list itself, before each alert is looked at. */
const postableAlertsShell = z.array(z.unknown()).max(MAX_ALERTS);

/**
 * Alertmanager's webhook body (version 4), as a `webhook_config` receiver gets it: a group's alerts, each
 * `firing` or `resolved`, with its labels, annotations, start and end. The group's own fields are not
 * read: each alert stands alone, as when Prometheus posts it.
 */
export const webhookMessageSchema = z
  .looseObject({
    version: z.string().max(16).optional(),
    alerts: z.array(z.unknown()).max(MAX_ALERTS),
  })
  .meta({ id: 'AlertmanagerWebhookMessage' });

/**
 * The alerts of an Alertmanager's webhook body and the problems of those refused (paths `alerts.N…`), as
 * {@link takeAlerts} takes Prometheus's: a firing one without its end (Go's zero time there, and
 * Alertmanager itself decides when it ends: Herald waits to be told, see alert-ends.ts), a resolved one
 * ended at its `endsAt`, or now if that is missing or ahead of Herald's clock.
 */
export function takeWebhookAlerts(
  body: unknown,
  now: number,
): TakenAlerts<{ firing: PostableAlert[]; resolved: PostableAlert[] }> {
  const message = webhookMessageSchema.safeParse(body);
  if (!message.success)
    return { alerts: { firing: [], resolved: [] }, problems: zodProblems(message.error), refused: 0 };
  const { alerts, problems, refused } = takeAlerts(message.data.alerts);
  const firing: PostableAlert[] = [];
  const resolved: PostableAlert[] = [];
  for (const alert of alerts) {
    if ((alert as { status?: unknown }).status === 'resolved') {
      const ends = timeOf(alert.endsAt);
      resolved.push({ ...alert, endsAt: new Date(ends !== null && ends <= now ? ends : now).toISOString() });
    } else firing.push({ ...alert, endsAt: null });
  }
  return {
    alerts: { firing, resolved },
    problems: problems.map((p) => ({ ...p, path: `alerts.${p.path}` })),
    refused,
  };
}

function withoutEmptyLabels(item: unknown): unknown {
  if (!isRecord(item) || !isRecord(item.labels)) return item;
  const labels = item.labels;
  if (!Object.values(labels).includes('')) return item;
  return { ...item, labels: Object.fromEntries(Object.entries(labels).filter(([, value]) => value !== '')) };
}

/** Epoch ms of an alert time, or null when absent or Go's zero time. */
function timeOf(value: string | null | undefined): number | null {
  if (!value) return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) || ms <= GO_ZERO_TIME ? null : ms;
}

/** Whether the alert has ended: its `endsAt` is set and not after `now`, as Alertmanager decides. */
export function isResolved(alert: PostableAlert, now: number): boolean {
  const ends = timeOf(alert.endsAt);
  return ends !== null && ends <= now;
}

const SEPARATOR = 0xff;

/**
 * FNV-1a 64 as four 16-bit limbs, least significant first. The prime is 2^40 + 0x1b3, so a product is
 * the limbs times 0x1b3 plus the low two limbs shifted up by 40 bits; every partial sum stays far below
 * 2^53. A label set of six takes a third of the time it took with BigInt arithmetic, which made a number
 * per byte.
 */
class Fnv1a64 {
  private h0 = 0x2325;
  private h1 = 0x8422;
  private h2 = 0x9ce4;
  private h3 = 0xcbf2;

  add(byte: number): void {
    const h0 = this.h0 ^ byte;
    const t0 = h0 * 0x1b3;
    const t1 = this.h1 * 0x1b3 + (t0 >>> 16);
    const t2 = this.h2 * 0x1b3 + h0 * 0x100 + Math.floor(t1 / 0x10000);
    const t3 = this.h3 * 0x1b3 + this.h1 * 0x100 + Math.floor(t2 / 0x10000);
    this.h0 = t0 & 0xffff;
    this.h1 = t1 & 0xffff;
    this.h2 = t2 & 0xffff;
    this.h3 = t3 & 0xffff;
  }

  /** Adds the string's UTF-8 bytes. */
  addText(text: string): void {
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (code >= 0x80) {
        for (const byte of Buffer.from(text.slice(i), 'utf8')) this.add(byte);
        return;
      }
      this.add(code);
    }
  }

  hex(): string {
    return [this.h3, this.h2, this.h1, this.h0].map((limb) => limb.toString(16).padStart(4, '0')).join('');
  }
}

/**
 * Alertmanager's fingerprint of a label set (FNV-1a 64 over sorted names and values, each followed by
 * 0xff), as 16 hex digits: the same alert has the same fingerprint here as in Alertmanager's UI.
 */
export function alertFingerprint(labels: Readonly<Record<string, string>>): string {
  const fnv = new Fnv1a64();
  for (const name of Object.keys(labels).sort()) {
    fnv.addText(name);
    fnv.add(SEPARATOR);
    fnv.addText(labels[name] ?? '');
    fnv.add(SEPARATOR);
  }
  return fnv.hex();
}

/** Prometheus severities (and common synonyms) to event levels; anything else is an error. */
const SEVERITY_LEVELS: Readonly<Record<string, Level>> = {
  critical: 'fatal',
  fatal: 'fatal',
  emergency: 'fatal',
  page: 'fatal',
  disaster: 'fatal',
  error: 'error',
  high: 'error',
  major: 'error',
  warning: 'warning',
  warn: 'warning',
  medium: 'warning',
  minor: 'warning',
  info: 'info',
  informational: 'info',
  notice: 'info',
  low: 'info',
  none: 'info',
  debug: 'debug',
};

/** The event level of an alert's `severity` label. */
export function severityLevel(severity: string | undefined): Level {
  return SEVERITY_LEVELS[(severity ?? '').trim().toLowerCase()] ?? 'error';
}

const clip = (value: string, max: number) => (value.length > max ? value.slice(0, max) : value);

/**
 * When a firing began: its `startsAt`; sent without one, the start of the firing it continues
 * (`startedAt`, while the alert has not ended: see alert-ends.ts), else its arrival, as Alertmanager
 * starts an alert it is sent without a start.
 */
export function firingStart(alert: PostableAlert, receivedAt: number, startedAt?: number): number {
  return timeOf(alert.startsAt) ?? startedAt ?? receivedAt;
}

/**
 * An alert as an event: labels become tags, `alertname` and the `summary` (else `description`)
 * annotation the message, `severity` the level, `environment`/`env` the environment, and the label
 * set's fingerprint the grouping fingerprint, so every firing of one alert lands in one issue. A firing
 * (labels and start, see {@link firingStart}) gets a stable event id, so re-sending it is counted once;
 * one that began before Herald resolved its issue because it ended (`expiredAt`, see alert-ends.ts) and
 * is sent again gets another, so it reopens the issue. `fingerprint` saves hashing the labels again.
 */
export function alertToEvent(
  alert: PostableAlert,
  receivedAt: number,
  known: {
    readonly fingerprint?: string;
    readonly expiredAt?: number | undefined;
    readonly startedAt?: number | undefined;
  } = {},
): EventPayload {
  const { labels } = alert;
  const annotations = alert.annotations ?? {};
  const fingerprint = known.fingerprint ?? alertFingerprint(labels);
  const startsAt = firingStart(alert, receivedAt, known.startedAt);
  const endsAt = timeOf(alert.endsAt);
  const alertname = labels.alertname;
  const summary = annotations.summary ?? annotations.description;
  const message =
    [alertname, summary].filter((part): part is string => Boolean(part)).join(': ') ||
    Object.entries(labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ');
  const tags: Record<string, string> = {};
  for (const name of Object.keys(labels).sort().slice(0, MAX_TAGS))
    tags[clip(name, MAX_TAG_LENGTH)] = clip(labels[name] ?? '', MAX_TAG_LENGTH);
  const environment = labels.environment ?? labels.env;
  return {
    event_id: firingId(fingerprint, startsAt, known.expiredAt),
    timestamp: startsAt / 1000,
    level: severityLevel(labels.severity),
    message,
    logger: 'alertmanager',
    platform: 'other',
    ...(environment ? { environment: clip(environment, 64) } : {}),
    tags,
    fingerprint: ['alertmanager', fingerprint],
    extra: {
      alertmanager: {
        fingerprint,
        annotations,
        startsAt: new Date(startsAt).toISOString(),
        ...(endsAt === null ? {} : { endsAt: new Date(endsAt).toISOString() }),
        ...(alert.generatorURL ? { generatorURL: alert.generatorURL } : {}),
      },
    },
  };
}

/** The grouping fingerprint an alert's event gets (what its issue is found by). */
export function alertIssueFingerprint(alert: PostableAlert, now: number): string {
  return groupEvent(normalizeEvent(alertToEvent(alert, now), now)).fingerprint;
}

/** Ids of the unresolved issues of a project that these resolved alerts belong to. */
export async function issuesToResolve(
  db: Kysely<Database>,
  projectId: string,
  alerts: readonly PostableAlert[],
  now: number,
): Promise<string[]> {
  if (alerts.length === 0) return [];
  const fingerprints = [...new Set(alerts.map((alert) => alertIssueFingerprint(alert, now)))];
  const rows = await db
    .selectFrom('issues')
    .select('id')
    .where('project_id', '=', projectId)
    .where('fingerprint', 'in', fingerprints)
    .where('status', '=', 'unresolved')
    .execute();
  return rows.map((row) => row.id);
}

/** Most alerts `GET /api/v2/alerts` answers. */
export const MAX_LISTED_ALERTS = 1000;
const LISTED_PAGE = 500;

/** Go's zero time as Alertmanager writes it: an alert with no end. */
const NO_END = '0001-01-01T00:00:00.000Z';

/** A firing alert as its issue's latest event tells it. */
export interface FiringAlert {
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly fingerprint: string;
  readonly startsAt: string;
  /**
   * When it ends unless sent again: the latest `endsAt` sent (or the resolve timeout after a firing sent
   * without one), which every re-sent firing moves (see alert-ends.ts); for alerts stored before Herald
   * kept ends, the one sent with the firing first stored, else Go's zero time.
   */
  readonly endsAt: string;
  /** When its latest event arrived. */
  readonly updatedAt: string;
  readonly generatorURL?: string;
  /** Ids of the project's silences active now that match it. */
  readonly silencedBy: readonly string[];
  /**
   * Ids of the issues whose firing inhibits it now, through the project's inhibit rules. Issue ids rather
   * than Alertmanager's alert fingerprints: a source may be any event, and an id leads to its issue.
   */
  readonly inhibitedBy: readonly string[];
}

/**
 * An event of any source but the Alertmanager-compatible endpoint, without what only that endpoint
 * writes: `extra.alertmanager`, which notifications read as the Prometheus alert the event came from (an
 * Alertmanager-format webhook sends its labels and annotations on as the alert's). An event from a
 * Sentry SDK, whose DSN is public in browsers, must not pass itself off as one. Unchanged (not copied)
 * when it has none.
 */
export function withoutAlertOrigin(payload: EventPayload): EventPayload {
  const { extra } = payload;
  if (!isRecord(extra) || !('alertmanager' in extra)) return payload;
  const { alertmanager: _, ...rest } = extra;
  return { ...payload, extra: rest };
}

/** A Prometheus alert as it was sent, read back from the event it became. */
export interface SentAlert {
  readonly fingerprint: string;
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly startsAt: string;
  /** The `endsAt` it was sent with; null when it came without one. */
  readonly endsAt: string | null;
  readonly generatorURL: string | null;
}

/**
 * The alert an event came from, as {@link alertToEvent} kept it: the labels as sent (the tags without
 * those normalizing adds, `level` and `logger`), its annotations, fingerprint, start, end and generator
 * URL; null for an event of another source.
 */
export function alertOfEvent(event: HeraldEvent): SentAlert | null {
  const extra = event.extra['alertmanager'];
  if (!isRecord(extra) || typeof extra['fingerprint'] !== 'string') return null;
  return {
    fingerprint: extra['fingerprint'],
    labels: stringsOf(event.raw['tags']),
    annotations: stringsOf(extra['annotations']),
    startsAt:
      typeof extra['startsAt'] === 'string' ? extra['startsAt'] : new Date(event.timestamp).toISOString(),
    endsAt: typeof extra['endsAt'] === 'string' ? extra['endsAt'] : null,
    generatorURL: typeof extra['generatorURL'] === 'string' ? extra['generatorURL'] : null,
  };
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The string values of a record: the record itself when they all are (as {@link alertToEvent} wrote them). */
function stringsOf(value: unknown): Record<string, string> {
  if (!isRecord(value)) return {};
  for (const key in value) {
    if (typeof value[key] !== 'string')
      return Object.fromEntries(
        Object.entries(value).filter((e): e is [string, string] => typeof e[1] === 'string'),
      );
  }
  return value as Record<string, string>;
}

/**
 * The project's firing alerts, as Alertmanager's `GET /api/v2/alerts` lists them: the unresolved issues
 * of its alerts (found by their ends, see alert-ends.ts, so a project's other issues, however many, are
 * not read), but those whose end passed at `now` (resolved for Alertmanager, and by the next sweep
 * here), with their latest event's labels (the tags {@link alertToEvent} wrote) and annotations, most
 * recently seen first, those `keep` keeps, at most `limit`, read a page at a time. An alert sent before
 * Herald kept ends is listed again once Prometheus sends it again (every minute while it fires).
 */
export async function firingAlerts(
  db: Kysely<Database>,
  projectId: string,
  now: number,
  deps: {
    readonly silencedBy: (event: HeraldEvent) => Promise<readonly string[]>;
    readonly inhibitedBy: (issueId: string, event: HeraldEvent) => Promise<readonly string[]>;
    readonly keep: (alert: FiringAlert) => boolean;
  },
  limit = MAX_LISTED_ALERTS,
): Promise<FiringAlert[]> {
  const found: FiringAlert[] = [];
  let after: { lastSeen: number; id: string } | null = null;
  while (found.length < limit) {
    let query = db
      .selectFrom('alert_ends')
      .innerJoin('issues', 'issues.id', 'alert_ends.issue_id')
      .innerJoin('events', 'events.id', 'issues.last_event_id')
      .selectAll('events')
      .select([
        'issues.last_seen as issue_last_seen',
        'issues.id as issue_row_id',
        'alert_ends.ends_at as alert_ends_at',
      ])
      .where('alert_ends.project_id', '=', projectId)
      .where('issues.status', '=', 'unresolved')
      .where((eb) => eb.or([eb('alert_ends.ends_at', 'is', null), eb('alert_ends.ends_at', '>', now)]));
    if (after) {
      const { lastSeen, id } = after;
      query = query.where((eb) =>
        eb.or([
          eb('issues.last_seen', '<', lastSeen),
          eb.and([eb('issues.last_seen', '=', lastSeen), eb('issues.id', '<', id)]),
        ]),
      );
    }
    const rows = await query
      .orderBy('issues.last_seen', 'desc')
      .orderBy('issues.id', 'desc')
      .limit(LISTED_PAGE)
      .execute();
    for (const row of rows) {
      const { event } = storedEvent(row);
      const sent = alertOfEvent(event);
      if (!sent) continue;
      const alert: FiringAlert = {
        labels: sent.labels,
        annotations: sent.annotations,
        fingerprint: sent.fingerprint,
        startsAt: sent.startsAt,
        endsAt:
          row.alert_ends_at !== null
            ? new Date(Number(row.alert_ends_at)).toISOString()
            : (sent.endsAt ?? NO_END),
        updatedAt: new Date(row.received_at).toISOString(),
        ...(sent.generatorURL !== null ? { generatorURL: sent.generatorURL } : {}),
        silencedBy: await deps.silencedBy(event),
        inhibitedBy: await deps.inhibitedBy(row.issue_row_id, event),
      };
      if (deps.keep(alert)) found.push(alert);
      if (found.length >= limit) break;
    }
    const last = rows.at(-1);
    if (rows.length < LISTED_PAGE || !last) break;
    after = { lastSeen: Number(last.issue_last_seen), id: last.issue_row_id };
  }
  return found;
}

/**
 * The event id of one firing of an alert, the same every time Alertmanager (re)sends it: its start in
 * milliseconds (12 hex digits), then 80 bits of the hash of its labels and start. Starting with the time,
 * ids of new firings are appended to the store's (project, event_id) index instead of each landing on a
 * page of its own.
 */
function firingId(fingerprint: string, startsAt: number, expiredAt: number | undefined): string {
  // Sent again after its issue was resolved for its end: the firing as it goes on past that resolution.
  const after = expiredAt !== undefined && startsAt <= expiredAt ? expiredAt : null;
  const time = Math.max(0, Math.min(after ?? startsAt, 0xffff_ffff_ffff))
    .toString(16)
    .padStart(12, '0');
  return (
    time +
    sha256Hex(after === null ? `${fingerprint} ${startsAt}` : `${fingerprint} ${startsAt} ${after}`).slice(
      0,
      20,
    )
  );
}

/**
 * When a firing alert ends unless it is sent again: its `endsAt`, or `resolveTimeoutMs` after it was
 * received when it has none (Alertmanager's `resolve_timeout`).
 */
export function alertEnd(alert: PostableAlert, receivedAt: number, resolveTimeoutMs: number): number {
  return timeOf(alert.endsAt) ?? receivedAt + resolveTimeoutMs;
}
