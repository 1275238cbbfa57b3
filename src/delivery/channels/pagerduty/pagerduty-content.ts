import { z } from 'zod';

/** PagerDuty event actions Herald sends. */
export const PAGERDUTY_ACTIONS = ['trigger', 'acknowledge', 'resolve'] as const;

/** PagerDuty severities. */
export const PAGERDUTY_SEVERITIES = ['critical', 'error', 'warning', 'info'] as const;

/** What the renderer produces for PagerDuty (Events API v2). */
export const pagerdutyContentSchema = z.object({
  eventAction: z.enum(PAGERDUTY_ACTIONS),
  /** The issue id: every event of one issue lands on one PagerDuty incident. */
  dedupKey: z.string().min(1).max(255),
  summary: z.string().min(1),
  severity: z.enum(PAGERDUTY_SEVERITIES),
  source: z.string().min(1),
  component: z.string().optional(),
  group: z.string().optional(),
  class: z.string().optional(),
  customDetails: z.record(z.string(), z.unknown()).optional(),
  links: z.array(z.object({ href: z.string(), text: z.string().optional() })).optional(),
  clientUrl: z.string().optional(),
});

/** The PagerDuty content shape. */
export type PagerDutyContent = z.infer<typeof pagerdutyContentSchema>;

/** Integration `config` of PagerDuty. */
export const pagerdutyConfigSchema = z.looseObject({
  /** Events API base; `/v2/enqueue` is added to its path, so a proxy's prefix is kept. */
  baseUrl: z.url().default('https://events.pagerduty.com'),
});

/** Integration `secrets` of PagerDuty: the service's integration (routing) key. */
export const pagerdutySecretsSchema = z.object({ routingKey: z.string().min(8) });

/** PagerDuty truncates nothing for us: summaries above 1024 characters are refused. */
export const PAGERDUTY_SUMMARY_MAX = 1024;

/** PagerDuty refuses events larger than 512 KB. */
export const PAGERDUTY_MAX_BYTES = 512 * 1024;
