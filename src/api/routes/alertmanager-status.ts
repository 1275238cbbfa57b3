import { z } from 'zod';
import type { Clock } from '../../clock.js';
import type { SilenceMatcher } from '../../rules/silence-matchers.js';
import type { Services } from '../../services.js';
import { principalOf } from '../auth.js';
import { orgParams, slug } from '../schemas.js';
import type { ApiApp } from '../server.js';
import { GROUP_BY, projectReceiver } from './alertmanager.js';
import { silenceScope } from './silences.js';

const params = orgParams.extend({ project: slug });

/** The Alertmanager API version these routes answer as (what amtool and karma choose their calls by). */
export const ALERTMANAGER_API_VERSION = '0.25.0';

/** Alertmanager's `alertmanagerStatus`. */
const status = z.object({
  cluster: z.object({
    name: z.string().optional(),
    status: z.enum(['ready', 'settling', 'disabled']),
    peers: z.array(z.object({ name: z.string(), address: z.string() })),
  }),
  versionInfo: z.object({
    branch: z.string(),
    buildDate: z.string(),
    buildUser: z.string(),
    goVersion: z.string(),
    revision: z.string(),
    version: z.string(),
  }),
  config: z.object({ original: z.string() }),
  uptime: z.string(),
});

/**
 * `…/alertmanager/api/v2/status` and `…/receivers`: what amtool (`config show`, `config routes`,
 * `cluster show`) and dashboards such as karma read of an Alertmanager. The configuration is the
 * project's as an Alertmanager would have it: one route to one receiver named after the project, grouped
 * by alertname, the resolve timeout, and the project's inhibit rules; clustering is off (a Herald cluster
 * shares its database, not gossip). Members of the organization read them.
 */
export function alertmanagerStatusRoutes(
  app: ApiApp,
  services: Services,
  deps: { readonly clock: Clock; readonly version: string },
): void {
  const scope = silenceScope(services);
  const startedAt = new Date(deps.clock.now()).toISOString();

  app.get(
    '/api/v1/projects/:org/:project/alertmanager/api/v2/status',
    {
      schema: {
        tags: ['events'],
        summary:
          "Alertmanager-compatible: the project's configuration as an Alertmanager's (one receiver, its inhibit rules), clustering off",
        params,
        response: { 200: status },
      },
    },
    async (request) => {
      const { projectId } = await scope(principalOf(request), request.params);
      const inhibitRules = await services.inhibitRules.list(projectId);
      return {
        cluster: { status: 'disabled' as const, peers: [] },
        versionInfo: {
          version: ALERTMANAGER_API_VERSION,
          branch: 'herald',
          revision: `herald-${deps.version}`,
          buildUser: 'herald',
          buildDate: '',
          goVersion: '',
        },
        config: {
          original: alertmanagerConfig({
            receiver: request.params.project,
            resolveTimeoutMs: services.alertEnds.resolveTimeoutMs,
            inhibitRules,
          }),
        },
        uptime: startedAt,
      };
    },
  );

  app.get(
    '/api/v1/projects/:org/:project/alertmanager/api/v2/receivers',
    {
      schema: {
        tags: ['events'],
        summary: "Alertmanager-compatible: the project's one receiver, named after it",
        params,
        response: { 200: z.array(z.object({ name: z.string() })) },
      },
    },
    async (request) => {
      await scope(principalOf(request), request.params);
      return [projectReceiver(request.params.project)];
    },
  );
}

/**
 * An Alertmanager configuration (YAML) that does what Herald does with a project's alerts. Strings are
 * written as JSON strings, which YAML reads as its double-quoted ones.
 */
export function alertmanagerConfig(project: {
  readonly receiver: string;
  readonly resolveTimeoutMs: number;
  readonly inhibitRules: readonly {
    readonly sourceMatchers: readonly SilenceMatcher[];
    readonly targetMatchers: readonly SilenceMatcher[];
    readonly equal: readonly string[];
  }[];
}): string {
  const q = (value: string) => JSON.stringify(value);
  const list = (values: readonly string[]) => `[${values.map(q).join(', ')}]`;
  const lines = [
    'global:',
    `  resolve_timeout: ${goDuration(project.resolveTimeoutMs)}`,
    'route:',
    `  receiver: ${q(project.receiver)}`,
    `  group_by: ${list([GROUP_BY])}`,
    'receivers:',
    `  - name: ${q(project.receiver)}`,
  ];
  if (project.inhibitRules.length > 0) lines.push('inhibit_rules:');
  for (const rule of project.inhibitRules)
    lines.push(
      `  - source_matchers: ${list(rule.sourceMatchers.map(matcherText))}`,
      `    target_matchers: ${list(rule.targetMatchers.map(matcherText))}`,
      `    equal: ${list(rule.equal)}`,
    );
  return `${lines.join('\n')}\n`;
}

/** A matcher as Alertmanager writes one: `name="value"`, `name!~"regex"`. */
function matcherText(matcher: SilenceMatcher): string {
  const operator = `${matcher.isEqual ? '=' : '!'}${matcher.isRegex ? '~' : matcher.isEqual ? '' : '='}`;
  return `${matcher.name}${operator}${JSON.stringify(matcher.value)}`;
}

/** A duration as Prometheus writes one (`5m`, `90s`, `1500ms`). */
function goDuration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
