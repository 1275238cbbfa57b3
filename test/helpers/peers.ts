import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import type { Clock } from '../../src/clock.js';
import { startHttpPeer } from '../../src/delivery/channel-test-kit.js';

/** A message a peer received, stamped with the test clock's time. */
export interface Received {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly at: number;
}

/** A real SMTP server that parses every mail it accepts. */
export async function startSmtpPeer(
  clock: Clock,
): Promise<{ port: number; mails: Received[]; close(): Promise<void> }> {
  const mails: Received[] = [];
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, _session, done) {
      simpleParser(stream)
        .then((mail) => {
          const to = mail.to && 'text' in mail.to ? mail.to.text : '';
          mails.push({ to, subject: mail.subject ?? '', text: mail.text ?? '', at: clock.now() });
          done();
        })
        .catch(done);
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  return {
    port: (smtp.server.address() as { port: number }).port,
    mails,
    close: () => new Promise<void>((resolve) => smtp.close(() => resolve())),
  };
}

/** A local Slack Web API peer answering `chat.postMessage` as Slack does. */
export async function startSlackPeer(
  clock: Clock,
): Promise<{ url: string; posts: Received[]; close(): Promise<void> }> {
  const posts: Received[] = [];
  const peer = await startHttpPeer((_req, body, res) => {
    const args = Object.fromEntries(new URLSearchParams(body.toString()));
    const text = `${args.text ?? ''}\n${args.blocks ?? ''}`;
    posts.push({ to: String(args.channel), subject: String(args.text ?? ''), text, at: clock.now() });
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ ok: true, channel: 'C0ALERTS', ts: `${posts.length}.000100` }));
  });
  return { url: peer.url, posts, close: () => peer.close() };
}

/** One event a PagerDuty peer received: where it was posted, what it carried, and what it answered. */
export interface PagerDutyArrival {
  readonly path: string;
  readonly event: Record<string, unknown>;
  readonly at: number;
  /** The status answered; 202 is accepted. */
  readonly status: number;
  /** Why a 400 refused it (PagerDuty's `errors`). */
  readonly errors: readonly string[];
}

/**
 * How the peer answers an event it would accept: 202, a fault such as 500, 429 or 400, or `lost`:
 * accepted, but the connection drops before the answer (the sender cannot know). A promise holds the
 * request open until it settles (a send in flight).
 */
export type PagerDutyPlan = (event: Record<string, unknown>) => number | 'lost' | Promise<number | 'lost'>;

const PAGERDUTY_EVENT_ACTIONS = ['trigger', 'acknowledge', 'resolve'];
const PAGERDUTY_SEVERITIES = ['critical', 'error', 'warning', 'info'];

/** What PagerDuty's Events API v2 refuses in an event (its checks, as documented), or nothing. */
function pagerDutyProblems(event: Record<string, unknown>, routingKeys: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  const key = event.routing_key;
  if (typeof key !== 'string' || key.length !== 32) problems.push('routing_key must be 32 characters');
  else if (!routingKeys.has(key)) problems.push('Invalid routing key');
  const action = event.event_action;
  if (typeof action !== 'string' || !PAGERDUTY_EVENT_ACTIONS.includes(action))
    problems.push('event_action must be trigger, acknowledge or resolve');
  const dedupKey = event.dedup_key;
  if (dedupKey !== undefined && (typeof dedupKey !== 'string' || dedupKey.length > 255))
    problems.push('dedup_key must be a string of at most 255 characters');
  if (action !== 'trigger' && (typeof dedupKey !== 'string' || dedupKey === ''))
    problems.push(`dedup_key is required for ${String(action)}`);
  if (action === 'trigger') {
    const payload = event.payload as Record<string, unknown> | undefined;
    if (typeof payload !== 'object' || payload === null) problems.push('payload is required for trigger');
    else {
      const { summary, source, severity } = payload;
      if (typeof summary !== 'string' || summary === '' || summary.length > 1024)
        problems.push('payload.summary must be 1 to 1024 characters');
      if (typeof source !== 'string' || source === '') problems.push('payload.source is required');
      if (typeof severity !== 'string' || !PAGERDUTY_SEVERITIES.includes(severity))
        problems.push('payload.severity must be critical, error, warning or info');
    }
  }
  return problems;
}

/**
 * A local PagerDuty Events API v2 peer: serves `POST {prefix}/v2/enqueue` only (anything else is 404),
 * refuses with 400 what PagerDuty refuses (unknown routing key, unknown action, a resolve without dedup
 * key, a trigger without summary, source or severity), and answers 202 with the dedup key otherwise,
 * unless `plan` picks a fault for the event. It keeps each service's incidents as PagerDuty does: an
 * accepted trigger opens the incident of its dedup key, an accepted resolve closes it.
 */
export async function startPagerDutyPeer(
  clock: Clock,
  options: { readonly prefix?: string; readonly routingKeys: readonly string[] },
): Promise<{
  url: string;
  arrivals: PagerDutyArrival[];
  /** How events that would be accepted are answered; 202 unless set. */
  plan: { current: PagerDutyPlan };
  /** The incident of a dedup key on the service of a routing key; undefined when none was opened. */
  incident(routingKey: string, dedupKey: string): 'triggered' | 'resolved' | undefined;
  close(): Promise<void>;
}> {
  const arrivals: PagerDutyArrival[] = [];
  const incidents = new Map<string, 'triggered' | 'resolved'>();
  const incidentKey = (routingKey: unknown, dedupKey: unknown) =>
    `${String(routingKey)}\u0000${String(dedupKey)}`;
  const routingKeys = new Set(options.routingKeys);
  const plan = { current: (() => 202) as PagerDutyPlan };
  const peer = await startHttpPeer(async (req, body, res) => {
    const path = req.url ?? '';
    if (req.method !== 'POST' || path !== `${options.prefix ?? ''}/v2/enqueue`) {
      arrivals.push({ path, event: {}, at: clock.now(), status: 404, errors: [] });
      return void res.writeHead(404).end();
    }
    let event: Record<string, unknown> = {};
    try {
      event = JSON.parse(body.toString()) as Record<string, unknown>;
    } catch {
      // answered as invalid JSON below
    }
    const errors = pagerDutyProblems(event, routingKeys);
    const answer = errors.length > 0 ? 400 : await plan.current(event);
    const status = answer === 'lost' ? 202 : answer;
    arrivals.push({ path, event, at: clock.now(), status, errors });
    res.setHeader('content-type', 'application/json');
    if (status === 202) {
      const dedupKey = typeof event.dedup_key === 'string' ? event.dedup_key : `pd-${arrivals.length}`;
      const key = incidentKey(event.routing_key, dedupKey);
      if (event.event_action === 'trigger') incidents.set(key, 'triggered');
      else if (event.event_action === 'resolve' && incidents.has(key)) incidents.set(key, 'resolved');
      if (answer === 'lost') return void req.socket.destroy();
      return void res
        .writeHead(202)
        .end(JSON.stringify({ status: 'success', message: 'Event processed', dedup_key: dedupKey }));
    }
    if (status === 400)
      return void res.writeHead(400).end(
        JSON.stringify({
          status: 'invalid event',
          message: 'Event object is invalid',
          errors: errors.length > 0 ? errors : ['refused'],
        }),
      );
    res.writeHead(status, status === 429 ? { 'retry-after': '60' } : {}).end();
  });
  return {
    url: peer.url,
    arrivals,
    plan,
    incident: (routingKey, dedupKey) => incidents.get(incidentKey(routingKey, dedupKey)),
    close: () => peer.close(),
  };
}
