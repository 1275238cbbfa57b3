import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { expect } from 'vitest';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'herald.js');

/** One `herald serve` process and what it printed (the tail, for failure messages). */
export interface HeraldProcess {
  readonly child: ChildProcess;
  /** The URL it serves, once it logged that it started. */
  readonly ready: Promise<string>;
  readonly exited: Promise<void>;
  output(): string;
}

/** Starts `herald serve --port 0 …args` with `env` as its only HERALD_* configuration. */
export function serveHerald(args: readonly string[], env: Readonly<Record<string, string>>): HeraldProcess {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('HERALD_')));
  const child = spawn(process.execPath, [BIN, 'serve', ...args, '--port', '0'], {
    env: { ...clean, ...env },
  });
  let tail = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      tail = (tail + chunk.toString()).slice(-20_000);
      const up = /"url":"([^"]*)"[^\n]*"msg":"herald started"/.exec(tail);
      if (up) resolve(up[1] ?? '');
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', (code, sig) =>
      reject(new Error(`herald ${args.join(' ')} exited (${code ?? sig}): ${tail}`)),
    );
  });
  ready.catch(() => undefined);
  return { child, ready, exited, output: () => tail };
}

// biome-ignore lint/suspicious/noExplicitAny: answers are arbitrary JSON that the tests inspect
export type Call = (method: string, path: string, body?: unknown) => Promise<{ status: number; body: any }>;

/** Calls a Herald process's API as its admin; `url` is read at each call (the process may restart). */
export function adminCall(url: () => string, token: string): Call {
  return async (method, path, body) => {
    const response = await fetch(`${url()}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text.startsWith('{') ? JSON.parse(text) : text };
  };
}

/**
 * Creates org `acme`, project `api`, a signed webhook integration to `hookUrl` and a rule that sends
 * every event there (frequency 0); returns the rule's id.
 */
export async function everyEventToWebhook(
  call: Call,
  hookUrl: string,
  signingSecret: string,
): Promise<string> {
  expect((await call('POST', '/api/v1/orgs', { slug: 'acme', name: 'Acme' })).status).toBe(201);
  expect((await call('POST', '/api/v1/orgs/acme/projects', { slug: 'api', name: 'API' })).status).toBe(201);
  const hook = await call('POST', '/api/v1/orgs/acme/integrations', {
    provider: 'webhook',
    name: 'Ops',
    config: { url: hookUrl },
    secrets: { signingSecret },
  });
  expect(hook.status).toBe(201);
  const rule = await call('POST', '/api/v1/projects/acme/api/rules', {
    name: 'Everything',
    frequency: 0,
    conditions: [{ id: 'every_event' }],
    actions: [{ id: 'webhook', integration: hook.body.id }],
  });
  expect(rule.status).toBe(201);
  return rule.body.id;
}

/** Every notification of a rule in org `acme`, all pages. */
export async function ruleHistory(
  call: Call,
  ruleId: string,
): Promise<{ deliveries: { id: string; status: string }[] }[]> {
  const all: { deliveries: { id: string; status: string }[] }[] = [];
  for (let cursor: string | null = ''; cursor !== null; ) {
    const page = await call(
      'GET',
      `/api/v1/orgs/acme/notifications?rule=${ruleId}&limit=200${cursor ? `&cursor=${cursor}` : ''}`,
    );
    all.push(...page.body.data);
    cursor = page.body.nextCursor;
  }
  return all;
}
