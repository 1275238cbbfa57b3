import { z } from 'zod';
import { ISSUE_CATEGORIES, ISSUE_STATUSES, LEVELS } from '../../events/event.js';

const id = z.string().min(1).max(128);
const name = z.string().max(1000);
const url = z.string().max(4000);
/** ISO 8601 with an offset: webhook receivers read these as they are. */
const time = z.iso.datetime({ offset: true });
const count = z.int().min(0);

/** The organization a notification belongs to. */
export const organizationRefSchema = z.object({ id, slug: z.string().max(64), name });

/** The project of a notification. */
export const projectRefSchema = z.object({ id, slug: z.string().max(64), name });

/** An issue as notifications show it. */
export const issueRefSchema = z.object({
  id,
  title: z.string().max(10_000),
  culprit: z.string().max(10_000),
  level: z.enum(LEVELS),
  status: z.enum(ISSUE_STATUSES),
  category: z.enum(ISSUE_CATEGORIES),
  firstSeen: time,
  lastSeen: time,
  timesSeen: count,
  usersSeen: count,
  /** The issue's page in the dashboard. */
  url,
  /** The issue in the API (`GET /api/v1/issues/{id}`); absent from notifications made before it was added. */
  apiUrl: url.optional(),
});

/** One stack frame, top of the stack first. */
export const frameRefSchema = z.object({
  function: z.string().max(1000).nullable(),
  module: z.string().max(1000).nullable(),
  filename: z.string().max(1000).nullable(),
  lineno: z.int().nullable(),
  inApp: z.boolean(),
});

/**
 * The Prometheus alert an event came from (through the Alertmanager-compatible endpoint), as it was sent:
 * what a receiver of Alertmanager's webhook format reads. Absent for events of other sources.
 */
export const alertRefSchema = z.object({
  /** Alertmanager's fingerprint of the label set (16 hex digits), the same as in Alertmanager. */
  fingerprint: z.string().max(64),
  labels: z.record(z.string().max(1000), z.string().max(10_000)),
  annotations: z.record(z.string().max(1000), z.string().max(100_000)),
  startsAt: time,
  /** When Prometheus said it ends, if it said; null for an alert sent without an end. */
  endsAt: time.nullable(),
  generatorURL: url.nullable(),
});

/** The event that triggered an alert. */
export const eventRefSchema = z.object({
  eventId: id,
  message: z.string().max(100_000),
  environment: z.string().max(256).nullable(),
  release: z.string().max(256).nullable(),
  platform: z.string().max(64).nullable(),
  timestamp: time,
  tags: z.array(z.tuple([z.string().max(200), z.string().max(1000)])).max(200),
  frames: z.array(frameRefSchema).max(100),
  url,
  /** The Prometheus alert of an event that came from one; absent otherwise. */
  alert: alertRefSchema.optional(),
});

/** A rule that fired. */
export const ruleRefSchema = z.object({ id, name });

/** Who did something, or null when Herald did it on its own. */
export const actorSchema = z.object({ id, name }).nullable();

/** Whom an issue was assigned to. */
export const assigneeSchema = z.object({ type: z.enum(['user', 'team']), id, name });

/** A commit of a release. */
export const commitRefSchema = z.object({
  id: z.string().max(128),
  message: z.string().max(10_000),
  authorEmail: z.string().max(320).nullable(),
  authorName: z.string().max(256).nullable(),
});

/** A release. */
export const releaseRefSchema = z.object({
  version: z.string().min(1).max(256),
  /** The release's page in the dashboard. */
  url,
  /** The project's releases in the API; absent from notifications made before it was added. */
  apiUrl: url.optional(),
  commits: z.array(commitRefSchema).max(1000),
});

/** Fields every issue notification shares. */
export const issueNotificationSchema = z.object({
  organization: organizationRefSchema,
  project: projectRefSchema,
  issue: issueRefSchema,
});
