import type { z } from 'zod';
import type { IssueStatus, Level } from '../../events/event.js';
import type { MessageKey } from '../../templates/i18n/en.js';
import type { DocField, DocLink, Tone } from '../../templates/message-doc.js';
import type { Rendering } from '../../templates/render-context.js';
import type { alertRefSchema, frameRefSchema, issueRefSchema, ruleRefSchema } from './payload-schemas.js';

type Issue = z.infer<typeof issueRefSchema>;
type Frame = z.infer<typeof frameRefSchema>;

const LEVEL_KEYS: Readonly<Record<Level, MessageKey>> = {
  fatal: 'level.fatal',
  error: 'level.error',
  warning: 'level.warning',
  info: 'level.info',
  debug: 'level.debug',
};

const STATUS_KEYS: Readonly<Record<IssueStatus, MessageKey>> = {
  unresolved: 'status.unresolved',
  resolved: 'status.resolved',
  ignored: 'status.ignored',
};

const LEVEL_TONES: Readonly<Record<Level, Tone>> = {
  fatal: 'fatal',
  error: 'error',
  warning: 'warning',
  info: 'info',
  debug: 'info',
};

/** The level's name in the recipient's language. */
export const levelName = (r: Rendering, level: Level): string => r.t(LEVEL_KEYS[level]);

/** The status's name in the recipient's language. */
export const statusName = (r: Rendering, status: IssueStatus): string => r.t(STATUS_KEYS[status]);

/** The tone a level is shown in. */
export const levelTone = (level: Level): Tone => LEVEL_TONES[level];

/** An ISO time from a payload, in the recipient's zone and locale. */
export const when = (r: Rendering, iso: string): string => r.dateTime(Date.parse(iso));

/** The issue's page: the recipient-specific link when the caller built one, else the payload's. */
export const issueUrl = (r: Rendering, issue: Issue): string => r.context.links.issue ?? issue.url;

/** One stack frame as a line: "handler in app/api.py:42". */
export function frameLine(r: Rendering, frame: Frame): string {
  const fn = frame.function ?? r.t('frame.anonymous');
  const file = frame.filename ?? frame.module ?? '?';
  return frame.lineno === null
    ? r.t('frame.noLine', { function: fn, file })
    : r.t('frame.location', { function: fn, file, line: String(frame.lineno) });
}

/** Counts and times every issue message shows. */
export function issueStatsFields(r: Rendering, issue: Issue): DocField[] {
  return [
    { label: r.t('field.events'), value: r.i18n.number(issue.timesSeen) },
    { label: r.t('field.users'), value: r.i18n.number(issue.usersSeen) },
    { label: r.t('field.firstSeen'), value: when(r, issue.firstSeen) },
  ];
}

/** "Triggered by Rule A and 2 other rules"; empty when no rule is named. */
export function rulesLine(
  r: Rendering,
  rules: readonly z.infer<typeof ruleRefSchema>[],
  ruleCount: number,
): string[] {
  const first = rules[0];
  if (!first) return [];
  return [
    r.t('footer.rules', { rule: first.name, others: Math.max(0, Math.max(ruleCount, rules.length) - 1) }),
  ];
}

/** View issue, then (when the caller built the link) mute the rule. */
export function issueActions(r: Rendering, issue: Issue): DocLink[] {
  const actions: DocLink[] = [{ label: r.t('action.viewIssue'), url: issueUrl(r, issue) }];
  if (r.context.links.muteRule)
    actions.push({ label: r.t('action.muteRule'), url: r.context.links.muteRule });
  return actions;
}

/** Flat metadata of an issue notification for logs and the history. */
export function issueMetadata(p: {
  organization: { slug: string };
  project: { slug: string };
  issue: Issue;
}): Record<string, string> {
  return {
    organization: p.organization.slug,
    project: p.project.slug,
    issueId: p.issue.id,
    level: p.issue.level,
    status: p.issue.status,
  };
}

/** A Prometheus alert as a payload carries it. */
type AlertRef = z.infer<typeof alertRefSchema>;

/** An absolute http(s) address, the only kind a message links to. */
const WEB_ADDRESS = /^https?:\/\/[^\s]+$/i;

/**
 * The links of a Prometheus alert, as Alertmanager's templates show them: its runbook (`runbook_url`,
 * else `runbook`) and where it was evaluated (`generatorURL`). Only alerts posted to the
 * Alertmanager-compatible endpoint carry them (see withoutAlertOrigin).
 */
export function alertLinks(r: Rendering, alert: AlertRef | undefined): DocLink[] {
  if (!alert) return [];
  const runbook = alert.annotations.runbook_url ?? alert.annotations.runbook;
  return [
    ...(runbook && WEB_ADDRESS.test(runbook) ? [{ label: r.t('action.runbook'), url: runbook }] : []),
    ...(alert.generatorURL && WEB_ADDRESS.test(alert.generatorURL)
      ? [{ label: r.t('action.alertSource'), url: alert.generatorURL }]
      : []),
  ];
}
