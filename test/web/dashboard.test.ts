import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManualClock } from '../../src/clock.js';
import { ADMIN_TOKEN, connectSmtp, startHerald, type TestHerald } from '../helpers/herald.js';
import { closedPort, freshRedisPrefix } from '../helpers/redis.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];
const HAS_CHROMIUM = existsSync(CHROMIUM);
const IN_CI = process.env.CI === 'true';

if (!HAS_CHROMIUM && !IN_CI) {
  console.warn(
    `dashboard browser tests skipped: no Chromium at ${CHROMIUM} (apt-get install -y chromium); in CI they must run`,
  );
}

function newest(path: string): number {
  const info = statSync(path);
  if (!info.isDirectory()) return info.mtimeMs;
  return Math.max(info.mtimeMs, ...readdirSync(path).map((name) => newest(join(path, name))));
}

/** Builds `web/dist` when it is missing or older than its sources, so the test sees this checkout's app. */
function ensureBuilt(): void {
  const index = join(ROOT, 'web/dist/index.html');
  const sources = ['web/src', 'web/public', 'web/index.html', 'web/vite.config.ts'].map((p) => join(ROOT, p));
  if (existsSync(index) && statSync(index).mtimeMs >= Math.max(...sources.map(newest))) return;
  execFileSync(
    process.execPath,
    [join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'web/vite.config.ts'],
    // Vitest sets NODE_ENV=test, which Vite would take for a development build of React: build what
    // `npm run build:web` builds.
    { cwd: ROOT, stdio: 'pipe', env: { ...process.env, NODE_ENV: 'production' } },
  );
}

/** The dashboard in a real browser against a real Herald: what a person clicks and what they see. */
describe.skipIf(!HAS_CHROMIUM && !IN_CI)('web dashboard', () => {
  let h: TestHerald;
  let browser: Browser;
  let smtp: SMTPServer;
  let ana = '';
  let anaToken = '';
  const mails: string[] = [];

  const settle = async () => {
    for (let i = 0; i < 5; i++) await h.engine.queue.drain();
  };

  /** Adds a person to acme with `role` and answers a personal token of theirs for the browser. */
  async function memberToken(
    email: string,
    name: string,
    role: 'admin' | 'member' = 'member',
  ): Promise<string> {
    const user = (await h.request('POST', '/api/v1/orgs/acme/members', { email, name, role })).body.userId;
    return (await h.request('POST', `/api/v1/users/${user}/tokens`, { name: 'browser' })).body.token;
  }

  /** A fresh tab (its own sessionStorage) signed in with `token`, to the shared Herald unless told. */
  async function signIn(token: string, url = h.url): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(`${url}/`);
    await page.getByLabel('Token').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
    return page;
  }

  /** Opens one of the dashboard's pages through the main navigation, as a person does. */
  async function openPage(page: Page, label: string): Promise<void> {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: label }).click();
  }

  /** Ana, an owner, on Delivery settings with the project named `name` chosen. */
  async function deliverySettingsOf(name: string): Promise<Page> {
    const page = await signIn(anaToken);
    await openPage(page, 'Delivery settings');
    await page.getByLabel('Project', { exact: true }).selectOption({ label: name });
    return page;
  }

  /** The last email's text, quoted-printable undone (soft line breaks joined, `=3D` decoded). */
  const lastMail = () =>
    mails
      .at(-1)!
      .replace(/=\r?\n/g, '')
      .replace(/=3D/g, '=');

  /** The address of the last email's button labelled `label`. */
  const buttonLink = (label: string) =>
    new RegExp(`href="(http[^"]+)"[^>]*>\\s*${label}`).exec(lastMail())?.[1]?.replace(/&amp;/g, '&');

  /** Asks for a sign-in link for Ana on `page` (its sign-in form) and answers the link she is emailed. */
  async function emailedSignInLink(page: Page): Promise<string> {
    const before = mails.length;
    await page.getByLabel('Email').fill('ana@acme.test');
    await page.getByRole('button', { name: 'Email me a link' }).click();
    await page.getByText('a link is on its way').waitFor();
    await expect.poll(() => mails.length).toBe(before + 1);
    const link = /(http:\/\/[^\s"<]+\/auth\/link\?token=[\w-]+)/.exec(lastMail())?.[1];
    expect(link).toBeDefined();
    return link!;
  }

  async function ingest(message: string, tags: Record<string, string>): Promise<string> {
    (h.clock as ManualClock).advance(1000);
    const event = await h.request('POST', '/api/v1/projects/acme/api/events', {
      message,
      level: 'error',
      tags,
    });
    expect(event.status, event.text).toBe(202);
    return event.body.issueId;
  }

  beforeAll(async () => {
    ensureBuilt();
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      onData(stream, _session, done) {
        let text = '';
        stream.on('data', (chunk: Buffer) => {
          text += chunk.toString();
        });
        stream.on('end', () => {
          mails.push(text);
          done();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    const smtpPort = (smtp.server.address() as { port: number }).port;

    h = await startHerald();
    await h.request('POST', '/api/v1/orgs', { slug: 'acme', name: 'Acme' });
    ana = (
      await h.request('POST', '/api/v1/orgs/acme/members', {
        email: 'ana@acme.test',
        name: 'Ana',
        role: 'owner',
      })
    ).body.userId;
    await h.request('POST', '/api/v1/orgs/acme/projects', { slug: 'api', name: 'API' });
    const mail = await connectSmtp(h, smtpPort);
    expect(mail.status, mail.text).toBe(201);
    anaToken = (await h.request('POST', `/api/v1/users/${ana}/tokens`, { name: 'browser' })).body.token;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  });

  afterAll(async () => {
    await browser?.close();
    await h?.close();
    await new Promise<void>((resolve) => (smtp ? smtp.close(() => resolve()) : resolve()));
  });

  it('emails a one-time sign-in link from the sign-in page, and the link signs the person in', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(`${h.url}/`);
    await page.goto(await emailedSignInLink(page));
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
    expect(page.url()).not.toContain('token=');
    await context.close();
  });

  it('says on the sign-in page when to ask again after too many links for one address', async () => {
    // Five asks for the address spend what 15 minutes allow; the sixth, from the page, is refused.
    for (let i = 0; i < 5; i++) {
      const asked = await h.request(
        'POST',
        '/api/v1/auth/email-link',
        { email: 'bea@acme.test' },
        { token: null },
      );
      expect(asked.status).toBe(202);
    }
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(`${h.url}/`);
    await page.getByLabel('Email').fill('bea@acme.test');
    await page.getByRole('button', { name: 'Email me a link' }).click();
    await page.getByRole('alert').filter({ hasText: 'Too many links were asked for this address' }).waitFor();
    expect(await page.getByRole('alert').textContent()).toContain('Ask again in 3 minutes.');
    await expect.poll(() => page.getByText('a link is on its way').count()).toBe(0);
    await context.close();
  });

  it('shows every page of the main navigation within a laptop screen, and on a phone', async () => {
    for (const viewport of [
      { width: 1280, height: 800 },
      { width: 390, height: 844 },
    ]) {
      const page = await signIn(ADMIN_TOKEN);
      await page.setViewportSize(viewport);
      const links = page.getByRole('navigation', { name: 'Main' }).getByRole('link');
      expect(await links.count()).toBeGreaterThanOrEqual(10);
      for (const link of await links.all()) {
        const box = await link.boundingBox();
        const name = (await link.textContent()) ?? '';
        expect(box, name).not.toBeNull();
        expect(box!.x, name).toBeGreaterThanOrEqual(0);
        expect(box!.x + box!.width, name).toBeLessThanOrEqual(viewport.width);
      }
      await page.context().close();
    }
  });

  it('says on the sign-in page to ask again later while links cannot be counted (Redis down)', async () => {
    // A cluster API process whose Redis is down: the cap on links cannot be checked.
    const cut = await startHerald({
      role: 'api',
      redisUrl: `redis://127.0.0.1:${await closedPort()}`,
      redisPrefix: freshRedisPrefix(),
    });
    try {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      const page = await context.newPage();
      await page.goto(`${cut.url}/`);
      await page.getByLabel('Email').fill('ana@acme.test');
      await page.getByRole('button', { name: 'Email me a link' }).click();
      await page.getByRole('alert').filter({ hasText: 'Links cannot be sent for a moment' }).waitFor();
      expect(await page.getByRole('alert').textContent()).toContain('Ask again in 30 seconds.');
      expect(await page.getByText('Check the address').count()).toBe(0);
      await context.close();
    } finally {
      await cut.close();
    }
  });

  it('serves the app at / and at its own paths, and keeps JSON 404s for the API', async () => {
    const root = await fetch(`${h.url}/`);
    expect(root.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await root.text()).toContain('<div id="root">');
    expect((await fetch(`${h.url}/settings`)).status).toBe(200);
    const api = await fetch(`${h.url}/api/v1/nothing-here`);
    expect(api.status).toBe(404);
    expect(((await api.json()) as { error: { code: string } }).error.code).toBe('not_found');
    expect((await fetch(`${h.url}/..%2fpackage.json`)).status).toBe(404);
    expect((await fetch(`${h.url}/assets/missing.js`)).status).toBe(404);
  });

  it('turns off email for alerts in the settings, and the next alert is suppressed by preference', async () => {
    const page = await signIn(anaToken);
    await page.getByRole('link', { name: 'My settings' }).click();
    const cell = page.getByLabel('Issue alerts by Email');
    await expect.poll(() => cell.inputValue()).toBe('');
    await expect.poll(() => page.getByTestId('cell-alerts-email').textContent()).toContain('Herald default');
    await cell.selectOption('never');
    await page.getByText('Saved: Issue alerts · Email → Off').waitFor();
    await expect.poll(() => page.getByTestId('cell-alerts-email').textContent()).toContain('set here');

    const rule = await h.request('POST', '/api/v1/projects/acme/api/rules', {
      name: 'Email Ana',
      conditions: [{ id: 'first_seen_event' }],
      filters: [{ id: 'tagged_event', key: 'service', match: 'eq', value: 'checkout' }],
      actions: [{ id: 'notify_email', targetType: 'Member', targetIdentifier: ana }],
    });
    expect(rule.status, rule.text).toBe(201);
    const before = mails.length;
    await ingest('Checkout timed out', { service: 'checkout' });
    await settle();
    expect(mails.length).toBe(before);

    const admin = await signIn(ADMIN_TOKEN);
    await admin.getByRole('link', { name: 'History' }).click();
    const item = admin.getByTestId('history-item').filter({ hasText: 'Checkout timed out' });
    await item.getByText('Email: suppressed · preference').waitFor();
    await item.getByRole('button').first().click();
    await item
      .getByText("The recipient's notification settings turn this type off on this channel.")
      .waitFor();
    await item.getByText('“Email Ana”').waitFor();
    await admin.context().close();
    await page.context().close();
  });

  it('shows an in-app message as it arrives, with the unread badge, and marks it read', async () => {
    const page = await signIn(anaToken);
    await page.getByRole('heading', { name: 'Inbox' }).waitFor();
    await page.getByText('Live', { exact: true }).waitFor();

    const rule = await h.request('POST', '/api/v1/projects/acme/api/rules', {
      name: 'In-app for Ana',
      conditions: [{ id: 'first_seen_event' }],
      filters: [{ id: 'tagged_event', key: 'service', match: 'eq', value: 'search' }],
      actions: [{ id: 'notify_inapp', targetType: 'Member', targetIdentifier: ana }],
    });
    expect(rule.status, rule.text).toBe(201);
    await ingest('Search index is stale', { service: 'search' });
    await settle();

    const item = page.getByTestId('inbox-item').filter({ hasText: 'Search index is stale' });
    await item.waitFor({ timeout: 10_000 });
    await expect.poll(() => page.getByTestId('unread-badge').textContent()).toMatch(/^1\b/);
    await item.getByRole('button', { name: 'Mark read' }).click();
    await item.getByRole('button', { name: 'Mark unread' }).waitFor();
    await expect.poll(() => page.getByTestId('unread-badge').count()).toBe(0);
    const inbox = await h.request('GET', '/api/v1/me/inbox', undefined, { token: anaToken });
    expect(inbox.body.unreadCount).toBe(0);
    await page.context().close();
  });

  it('creates a rule: the API’s error appears at the field, the fix previews and saves', async () => {
    const page = await signIn(ADMIN_TOKEN);
    await page.getByRole('link', { name: 'Rules' }).click();
    await page.getByRole('button', { name: 'New rule' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Billing errors');

    await page.getByLabel('Add to If').selectOption({ label: "The event's tag matches" });
    await page.getByRole('button', { name: 'Add', exact: true }).nth(1).click();
    const filter = page.getByTestId('filters-0');
    await filter.getByLabel('Tag', { exact: true }).fill('service');
    await page.getByLabel('Add to Then').selectOption({ label: 'Send an email' });
    await page.getByRole('button', { name: 'Add', exact: true }).nth(2).click();
    const action = page.getByTestId('actions-0');
    await action.getByLabel('Send to', { exact: true }).selectOption('Member');
    await action.getByLabel('Who', { exact: true }).selectOption({ label: 'Ana' });

    await page.getByRole('button', { name: 'Create rule' }).click();
    await filter.getByText('is required with "eq"').waitFor();
    await expect
      .poll(() => filter.getByLabel('Value', { exact: true }).getAttribute('aria-invalid'))
      .toBe('true');

    await filter.getByLabel('Value', { exact: true }).fill('checkout');
    await page.getByRole('button', { name: 'Preview' }).click();
    const preview = page.getByTestId('preview');
    await preview.getByText(/Would have fired \d+ times? over \d+ events?/).waitFor();
    await expect.poll(() => preview.textContent()).toContain('Checkout timed out');

    await page.getByRole('button', { name: 'Create rule' }).click();
    await page.getByText('Rule “Billing errors” saved.').waitFor();
    await page.getByTestId('rule-item').filter({ hasText: 'Billing errors' }).waitFor();
    const rules = await h.request('GET', '/api/v1/projects/acme/api/rules');
    const saved = rules.body.data.find((r: { name: string }) => r.name === 'Billing errors');
    expect(saved.filters).toEqual([{ id: 'tagged_event', key: 'service', match: 'eq', value: 'checkout' }]);
    expect(saved.actions).toEqual([{ id: 'notify_email', targetType: 'Member', targetIdentifier: ana }]);
    await page.context().close();
  });

  it('shows a sent delivery in the history with its timeline', async () => {
    await h.request('PUT', `/api/v1/users/${ana}/notification-settings`, {
      settings: [{ type: 'alerts', channel: 'email', scopeType: 'user', scopeId: ana, value: null }],
    });
    const before = mails.length;
    await ingest('Payment provider down', { service: 'checkout' });
    await settle();
    expect(mails.length).toBeGreaterThan(before);

    const page = await signIn(ADMIN_TOKEN);
    await page.getByRole('link', { name: 'History' }).click();
    const item = page.getByTestId('history-item').filter({ hasText: 'Payment provider down' });
    await item.getByText('Email: sent').first().waitFor();
    await item.getByRole('button').first().click();
    await item.getByText('Sent: the provider accepted it.').first().waitFor();
    await page.context().close();
  });

  it("opens the issue from the alert email's View issue link, resolves and follows it there", async () => {
    expect(lastMail()).toContain('Payment provider down');
    const link = buttonLink('View issue');
    expect(link).toBeDefined();
    const issues = await h.request('GET', '/api/v1/projects/acme/api/issues?query=payment');
    const id = issues.body.data[0].id as string;

    const page = await signIn(anaToken);
    await page.goto(link!);
    await page.getByRole('heading', { name: 'Payment provider down' }).waitFor();
    expect(new URL(page.url()).pathname).toBe(`/issues/${id}`);
    expect(await page.getByTestId('issue-status').textContent()).toBe('Unresolved');
    await page.getByRole('button', { name: 'Resolve' }).click();
    await expect.poll(() => page.getByTestId('issue-status').textContent()).toBe('Resolved');
    expect((await h.request('GET', `/api/v1/issues/${id}`)).body.status).toBe('resolved');
    await page.getByRole('button', { name: 'Follow', exact: true }).click();
    await page.getByText('You follow this issue').waitFor();
    await page.getByRole('button', { name: 'Following', pressed: true }).waitFor();
    // Read again, the page knows it: the button says so after a reload, and a second press stops it.
    await page.reload();
    await page.getByRole('button', { name: 'Following', pressed: true }).click();
    await page.getByText('You no longer follow this issue').waitFor();
    await page.getByRole('button', { name: 'Follow', pressed: false }).waitFor();
    await page.getByRole('button', { name: 'Assign to me' }).click();
    await page.getByText('Assigned to you.', { exact: true }).waitFor();
    await page.getByText(/· assigned to you/).waitFor();
    // She stopped following it above: taking it does not override that choice.
    await page.getByRole('button', { name: 'Follow', pressed: false }).waitFor();
    expect((await h.request('GET', `/api/v1/issues/${id}`)).body.assignee).toMatchObject({
      type: 'user',
      id: ana,
    });
    // Someone else assigned reads by name.
    const ben = (
      await h.request('POST', '/api/v1/orgs/acme/members', { email: 'ben@acme.test', name: 'Ben' })
    ).body.userId;
    await h.request('PATCH', `/api/v1/issues/${id}`, { assignee: { type: 'user', id: ben } });
    await page.reload();
    await page.getByText(/· assigned to Ben/).waitFor();
    await page.getByRole('button', { name: 'Assign to me' }).waitFor();
    await page.getByRole('button', { name: 'Unassign' }).click();
    await page.getByText(/· unassigned/).waitFor();
    expect((await h.request('GET', `/api/v1/issues/${id}`)).body.assignee).toBeNull();

    // A digest's "View issues" link: the project's unresolved issues, each opening its page.
    await page.goto(`${h.url}/orgs/acme/projects/api/issues`);
    const item = page.getByTestId('issue-item').filter({ hasText: 'Checkout timed out' });
    await item.waitFor();
    expect(await page.getByTestId('issue-item').filter({ hasText: 'Payment provider down' }).count()).toBe(0);
    await item.getByRole('link').click();
    await page.getByRole('heading', { name: 'Checkout timed out' }).waitFor();
    await page.context().close();
  });

  it("says on a Prometheus alert's issue when the alert ends unless Prometheus sends it again", async () => {
    const iso = (offsetMs: number) => new Date(h.clock.now() + offsetMs).toISOString();
    const alert = {
      labels: { alertname: 'ReplicaLag', instance: 'db-5', severity: 'warning' },
      annotations: { summary: 'Replica db-5 is behind' },
      startsAt: iso(-60_000),
      endsAt: iso(4 * 60_000),
    };
    const alerts = '/api/v1/projects/acme/api/alertmanager/api/v2/alerts';
    expect((await h.request('POST', alerts, [alert])).status).toBe(200);
    const issue = (await h.request('GET', '/api/v1/projects/acme/api/issues?query=ReplicaLag')).body.data[0];
    const page = await signIn(anaToken);
    await page.goto(`${h.url}/issues/${issue.id}`);
    const notice = page.getByTestId('issue-alert-ends');
    await notice.waitFor();
    const shown = await page.evaluate(
      (at) => new Date(at).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }),
      alert.endsAt,
    );
    expect(await notice.textContent()).toContain(`ends at ${shown} unless Prometheus sends it again`);
    // Resolved by Prometheus, the issue has no alert to end.
    expect((await h.request('POST', alerts, [{ ...alert, endsAt: iso(-1) }])).status).toBe(200);
    await page.reload();
    await expect.poll(() => page.getByTestId('issue-status').textContent()).toBe('Resolved');
    expect(await notice.count()).toBe(0);
    await page.context().close();
  });

  it('a sign-in link asked for on an issue page leads back to that page, in the tab the link opens', async () => {
    const issues = await h.request('GET', '/api/v1/projects/acme/api/issues?query=checkout');
    const id = issues.body.data[0].id as string;
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const asked = await context.newPage();
    await asked.goto(`${h.url}/issues/${id}`);
    const link = await emailedSignInLink(asked);
    const opened = await context.newPage();
    await opened.goto(link);
    await opened.getByRole('heading', { name: 'Checkout timed out' }).waitFor();
    expect(new URL(opened.url()).pathname).toBe(`/issues/${id}`);
    await context.close();
  });

  it("opens a deploy email's View release link on the release's page, with its commits", async () => {
    const version = 'api@2.14.0';
    const created = await h.request('POST', '/api/v1/projects/acme/api/releases', {
      version,
      commits: [
        { id: 'a1b2c3d4e5f6', message: 'Fix rounding of totals\n\nDetails.', authorEmail: 'ana@acme.test' },
      ],
    });
    expect(created.status, created.text).toBe(201);
    const before = mails.length;
    const deploy = await h.request('POST', `/api/v1/projects/acme/api/releases/${version}/deploys`, {
      environment: 'production',
    });
    expect(deploy.status, deploy.text).toBeLessThan(300);
    await settle();
    expect(mails.length).toBe(before + 1);
    const link = buttonLink('View release');
    expect(link).toBeDefined();

    const page = await signIn(anaToken);
    await page.goto(link!);
    await page.getByRole('heading', { name: version }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/orgs/acme/projects/api/releases/api%402.14.0');
    await page.getByText('production').waitFor();
    expect(await page.getByTestId('commit-item').textContent()).toContain('Fix rounding of totals');
    await page.context().close();
  });

  it("opens a rule saved message's link in the rule editor", async () => {
    const rules = await h.request('GET', '/api/v1/projects/acme/api/rules');
    const rule = rules.body.data.find((r: { name: string }) => r.name === 'Email Ana');
    const page = await signIn(ADMIN_TOKEN);
    await page.goto(`${h.url}/rules?org=acme&project=api&rule=${rule.id}`);
    await expect.poll(() => page.getByLabel('Name').inputValue()).toBe('Email Ana');
    await page.context().close();
  });

  it('a rule link opened signed out leads to that rule once the person signs in', async () => {
    const rules = await h.request('GET', '/api/v1/projects/acme/api/rules');
    const rule = rules.body.data.find((r: { name: string }) => r.name === 'Email Ana');
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(`${h.url}/rules?org=acme&project=api&rule=${rule.id}`);
    await page.getByLabel('Token').fill(anaToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByLabel('Name').inputValue()).toBe('Email Ana');
    await context.close();
  });

  it("a member reads the organization's rules, history and integrations, and snoozes a rule only for themselves", async () => {
    const cy = (await h.request('POST', '/api/v1/orgs/acme/members', { email: 'cy@acme.test', name: 'Cy' }))
      .body.userId;
    const cyToken = (await h.request('POST', `/api/v1/users/${cy}/tokens`, { name: 'browser' })).body.token;
    const page = await signIn(cyToken);
    await openPage(page, 'Rules');
    await page.getByText("You read this organization's rules").waitFor();
    const item = page.getByTestId('rule-item').filter({ hasText: 'Email Ana' });
    await item.waitFor();
    expect(await item.getByRole('button', { name: 'Edit' }).count()).toBe(0);
    expect(await item.getByText('Snooze for everyone').count()).toBe(0);
    await item.getByLabel('Snooze for me').selectOption({ label: '1 hour' });
    await page.getByText('is snoozed for you').waitFor();
    await item.getByText('Snoozed for you').waitFor();
    const rules = await h.request('GET', '/api/v1/projects/acme/api/rules');
    const rule = rules.body.data.find((r: { name: string }) => r.name === 'Email Ana');
    expect(rule.snoozes).toEqual([expect.objectContaining({ target: 'user', userId: cy })]);
    await item.getByRole('button', { name: 'Unsnooze for me' }).click();
    await page.getByText('Snooze lifted.').waitFor();
    // What the rule fired for, and the issue's page from there.
    await item.getByText('Fired for (last 7 days)').click();
    const fired = item.getByTestId('rule-history-row').first();
    await fired.waitFor();
    expect(await fired.textContent()).toMatch(/ · \d+ times?, last /);
    // A rule's link opens the list for someone who may not change the rule, not the editor.
    await page.goto(`${h.url}/rules?org=acme&project=api&rule=${rule.id}`);
    await page.getByTestId('rule-item').filter({ hasText: 'Email Ana' }).waitFor();
    expect(await page.getByLabel('Name').count()).toBe(0);

    await openPage(page, 'History');
    await page.getByRole('heading', { level: 1 }).waitFor();
    await openPage(page, 'Integrations');
    await page.getByText("You read this organization's integrations").waitFor();
    await page.getByTestId('integration-item').first().waitFor();
    expect(await page.getByRole('button', { name: 'Delete' }).count()).toBe(0);

    // In their settings, a project of the organization has its own overrides.
    await openPage(page, 'My settings');
    await page.locator('label.chip', { hasText: 'Project API' }).click();
    await page.getByText('Notification settings by channel and type, API').waitFor();
    await page.context().close();

    // An owner signed in with her own token changes them.
    const owner = await signIn(anaToken);
    await openPage(owner, 'Integrations');
    await owner.getByTestId('integration-item').first().getByRole('button', { name: 'Edit' }).waitFor();
    await owner.context().close();
  });

  it('snoozes all notifications from My settings, and each card says what its own button did', async () => {
    const dee = (
      await h.request('POST', '/api/v1/orgs/acme/members', { email: 'dee@acme.test', name: 'Dee' })
    ).body.userId;
    const deeToken = (await h.request('POST', `/api/v1/users/${dee}/tokens`, { name: 'browser' })).body.token;
    const page = await signIn(deeToken);
    await openPage(page, 'My settings');
    const snooze = page.getByRole('region', { name: 'Snooze all notifications' });
    const prefs = page.getByRole('form', { name: 'Language, time and quiet hours' });

    await snooze.getByRole('button', { name: '1 hour', exact: true }).click();
    await snooze.getByText('Snoozed for 1 hour.').waitFor();
    await snooze.getByText(/^Snoozed until /).waitFor();
    expect(await prefs.getByRole('status').count()).toBe(0);
    const options = async () =>
      (await h.request('GET', `/api/v1/users/${dee}/notification-settings`)).body.options;
    expect((await options()).snoozeUntil).toEqual(expect.any(String));

    await prefs.getByRole('button', { name: 'Save preferences' }).click();
    await prefs.getByText('Preferences saved.').waitFor();
    await snooze.getByRole('button', { name: 'Resume now' }).click();
    await snooze.getByText('Snooze ended.').waitFor();
    await prefs.getByText('Preferences saved.').waitFor();
    expect(await snooze.getByText('Preferences saved.').count()).toBe(0);
    expect((await options()).snoozeUntil).toBeNull();
    await page.context().close();
  });

  it('orders the channels to try when a message cannot reach the person, in My settings', async () => {
    const eve = (await h.request('POST', '/api/v1/orgs/acme/members', { email: 'eve@acme.test' })).body
      .userId;
    const token = (await h.request('POST', `/api/v1/users/${eve}/tokens`, { name: 'browser' })).body.token;
    const page = await signIn(token);
    await openPage(page, 'My settings');
    const prefs = page.getByRole('form', { name: 'Language, time and quiet hours' });
    const choices = prefs.getByRole('group', { name: 'If a message cannot reach me' });
    await choices.getByLabel('First').selectOption('inapp');
    await choices.getByLabel('Second').selectOption('push');
    // A channel already chosen is not offered again further down.
    expect(await choices.getByLabel('Third').locator('option').allTextContents()).toEqual([
      'Nothing more',
      'Email',
      'Slack',
    ]);
    await prefs.getByRole('button', { name: 'Save preferences' }).click();
    await prefs.getByText('Preferences saved.').waitFor();
    const fallback = async () =>
      (await h.request('GET', `/api/v1/users/${eve}/notification-settings`)).body.options.fallback;
    expect(await fallback()).toEqual(['inapp', 'push']);

    await page.reload();
    await choices.getByLabel('First').selectOption('');
    expect(await choices.getByLabel('First').inputValue()).toBe('push');
    await prefs.getByRole('button', { name: 'Save preferences' }).click();
    await prefs.getByText('Preferences saved.').waitFor();
    expect(await fallback()).toEqual(['push']);
    await page.context().close();
  });

  it('shows the signing secret Herald made for a new webhook once, after saving, and keeps its body format', async () => {
    const page = await signIn(ADMIN_TOKEN);
    await openPage(page, 'Integrations');
    await page.getByRole('button', { name: 'Webhook' }).click();
    await page.getByLabel('Name').fill('Ops hook');
    await page.getByLabel('Receiver URL').fill('http://127.0.0.1:9/hook');
    await page.getByLabel('Body format').selectOption('alertmanager');
    await page.getByRole('button', { name: 'Add integration' }).click();
    const notice = page.getByText('Its signing secret, shown this once:');
    await notice.waitFor();
    const shown = /whsec_\S+/.exec((await notice.textContent()) ?? '')?.[0];
    const listed = await h.request('GET', '/api/v1/orgs/acme/integrations');
    const hook = listed.body.data.find((i: { name: string }) => i.name === 'Ops hook');
    const orgId = (await h.request('GET', '/api/v1/orgs/acme')).body.id;
    const stored = await h.engine.services.integrations.getWithSecrets(orgId, hook.id);
    expect(shown).toBe(stored.secrets.signingSecret);
    expect(hook.config.format).toBe('alertmanager');
    await page.reload();
    const item = page.getByTestId('integration-item').filter({ hasText: 'Ops hook' });
    await item.getByText('Alertmanager format').waitFor();
    expect(await page.getByText('whsec_').count()).toBe(0);
    await page.context().close();
  });

  it('an admin deletes a team that a rule sends to after reading the rule, and a project after typing its slug', async () => {
    await h.request('POST', '/api/v1/orgs/acme/projects', { slug: 'mobile', name: 'Mobile app' });
    const crew = (
      await h.request('POST', '/api/v1/orgs/acme/teams', { slug: 'mobile-crew', name: 'Mobile crew' })
    ).body.id;
    const rule = await h.request('POST', '/api/v1/projects/acme/mobile/rules', {
      name: 'Crashes to the mobile crew',
      conditions: [{ id: 'first_seen_event' }],
      actions: [{ id: 'notify_email', targetType: 'Team', targetIdentifier: crew }],
    });
    expect(rule.status, rule.text).toBe(201);
    const listed = async (what: 'projects' | 'teams') =>
      (await h.request('GET', `/api/v1/orgs/acme/${what}`)).body.data.map((x: { slug: string }) => x.slug);

    // A member reads them; nothing offers to delete them.
    const reader = await signIn(await memberToken('gus@acme.test', 'Gus'));
    await openPage(reader, 'Projects & teams');
    await reader.getByText("You read this organization's projects and teams").waitFor();
    await reader.getByTestId('project-item').filter({ hasText: 'Mobile app' }).waitFor();
    await reader.getByTestId('team-item').filter({ hasText: 'Mobile crew' }).waitFor();
    expect(await reader.getByRole('button', { name: 'Delete', exact: true }).count()).toBe(0);
    await reader.context().close();

    const page = await signIn(await memberToken('fay@acme.test', 'Fay', 'admin'));
    await openPage(page, 'Projects & teams');
    const team = page.getByTestId('team-item').filter({ hasText: 'Mobile crew' });
    await team.getByRole('button', { name: 'Delete', exact: true }).click();
    const askTeam = team.getByRole('form', { name: 'Delete team Mobile crew' });
    await askTeam.getByText('Issues assigned to it become unassigned').waitFor();
    await askTeam.getByRole('button', { name: 'Delete this team' }).click();
    // Kept while the rule sends to it: the rule is named, and deleting anyway is offered.
    await askTeam.getByRole('alert').getByText('“Crashes to the mobile crew”').waitFor();
    expect(await listed('teams')).toContain('mobile-crew');
    await askTeam.getByRole('button', { name: 'Delete anyway' }).click();
    await page.getByText('Team “Mobile crew” deleted.').waitFor();
    await expect.poll(() => team.count()).toBe(0);
    expect(await listed('teams')).not.toContain('mobile-crew');

    const project = page.getByTestId('project-item').filter({ hasText: 'Mobile app' });
    await project.getByRole('button', { name: 'Delete', exact: true }).click();
    const askProject = project.getByRole('form', { name: 'Delete project Mobile app' });
    await askProject.getByText('its DSN stops taking events at once').waitFor();
    await askProject.getByText('This cannot be undone.').waitFor();
    const confirm = askProject.getByRole('button', { name: 'Delete this project' });
    expect(await confirm.isDisabled()).toBe(true);
    // Another project's slug does not confirm this one.
    await askProject.getByLabel('Type mobile to confirm').fill('api');
    expect(await confirm.isDisabled()).toBe(true);
    await askProject.getByLabel('Type mobile to confirm').fill('mobile');
    await confirm.click();
    await page.getByText('Project “Mobile app” deleted.').waitFor();
    await expect.poll(() => project.count()).toBe(0);
    await page.getByRole('heading', { name: 'API', exact: true }).waitFor();
    expect(await listed('projects')).not.toContain('mobile');
    expect((await h.request('GET', '/api/v1/orgs/acme/projects/mobile')).status).toBe(404);
    await page.context().close();
  });

  it('an admin silences instance="db-1" for 2 hours and expires it; a bad regex is named at its value; a member only reads them', async () => {
    const listed = async () =>
      (await h.request('GET', '/api/v1/projects/acme/api/silences')).body.data as {
        matchers: unknown[];
        startsAt: string;
        endsAt: string;
        createdBy: string;
        comment: string;
        status: { state: string };
      }[];

    const page = await signIn(await memberToken('ida@acme.test', 'Ida', 'admin'));
    await openPage(page, 'Silences');
    await expect.poll(() => new URL(page.url()).searchParams.get('project')).toBe('api');
    await page.getByRole('button', { name: 'New silence' }).click();
    const form = page.getByRole('form', { name: 'New silence' });
    const first = form.getByRole('group', { name: 'Matcher 1' });
    await first.getByLabel('Name').fill('instance');
    await first.getByLabel('Operator').selectOption('=~');
    await first.getByLabel('Value').fill('db-(1');
    // A second row, added and removed again, leaves the silence with the first alone.
    await form.getByRole('button', { name: 'Add a matcher' }).click();
    await form.getByRole('group', { name: 'Matcher 2' }).getByLabel('Name').fill('service');
    await form.getByRole('button', { name: 'Remove matcher 2' }).click();
    await form.getByLabel('Duration').selectOption({ label: '2 hours' });
    await form.getByLabel('Comment').fill('Replacing the disk of db-1');
    await form.getByRole('button', { name: 'Create silence' }).click();
    await first.getByText('is not a valid regular expression').waitFor();
    expect(await first.getByLabel('Value').getAttribute('aria-invalid')).toBe('true');
    expect(await listed()).toEqual([]);

    await first.getByLabel('Operator').selectOption('=');
    await first.getByLabel('Value').fill('db-1');
    await form.getByRole('button', { name: 'Create silence' }).click();
    await page.getByText('Silence instance="db-1" created, until').waitFor();
    const inForce = page.getByRole('region', { name: 'Active and pending' });
    const item = inForce.getByTestId('silence-item').filter({ hasText: 'instance="db-1"' });
    expect(await item.getByTestId('silence-state').textContent()).toBe('Active');
    await item.getByText('created by Ida').waitFor();
    await item.getByText('Replacing the disk of db-1').waitFor();
    await item.getByText('Has muted nothing yet').waitFor();
    const [created] = await listed();
    expect(created).toMatchObject({
      matchers: [{ name: 'instance', value: 'db-1', isRegex: false, isEqual: true }],
      createdBy: 'Ida',
      comment: 'Replacing the disk of db-1',
      status: { state: 'active' },
    });
    const lasts = Date.parse(created!.endsAt) - Date.parse(created!.startsAt);
    expect(Math.abs(lasts - 2 * 3_600_000)).toBeLessThan(5 * 60_000);

    await item.getByRole('button', { name: 'Expire' }).click();
    await page.getByText('Silence instance="db-1" expired.').waitFor();
    await expect.poll(() => item.count()).toBe(0);
    const ended = page
      .getByRole('region', { name: 'Expired' })
      .getByTestId('silence-item')
      .filter({ hasText: 'instance="db-1"' });
    expect(await ended.getByTestId('silence-state').textContent()).toBe('Expired');
    expect(await ended.getByRole('button', { name: 'Expire' }).count()).toBe(0);
    expect((await listed()).map((s) => s.status.state)).toEqual(['expired']);
    await page.context().close();

    // A member reads the list, the one still active too; nothing offers to add or expire one.
    const active = await h.request('POST', '/api/v1/projects/acme/api/silences', {
      matchers: [
        { name: 'environment', value: 'production' },
        { name: 'service', value: 'search', isEqual: false },
      ],
      endsAt: new Date(Date.now() + 3_600_000).toISOString(),
      comment: 'Reindexing',
    });
    expect(active.status, active.text).toBe(201);
    const reader = await signIn(await memberToken('jo@acme.test', 'Jo', 'member'));
    await openPage(reader, 'Silences');
    await reader.getByText("You read this organization's silences").waitFor();
    await reader
      .getByRole('region', { name: 'Active and pending' })
      .getByTestId('silence-item')
      .filter({ hasText: 'service!="search"' })
      .getByText('Reindexing')
      .waitFor();
    await reader.getByRole('region', { name: 'Expired' }).getByText('instance="db-1"').waitFor();
    expect(await reader.getByRole('button', { name: 'New silence' }).count()).toBe(0);
    expect(await reader.getByRole('form', { name: 'New silence' }).count()).toBe(0);
    expect(await reader.getByRole('button', { name: 'Expire' }).count()).toBe(0);
    // An issue whose latest event the silence matches says so on its page.
    const event = await h.request('POST', '/api/v1/projects/acme/api/events', {
      message: 'Checkout answers slowly',
      environment: 'production',
      tags: { service: 'checkout' },
    });
    expect(event.status, event.text).toBe(202);
    await reader.goto(`${h.url}/issues/${event.body.issueId}`);
    const notice = reader.getByTestId('issue-silenced');
    await notice.waitFor();
    expect(await notice.textContent()).toContain('environment="production", service!="search"');
    expect(await notice.textContent()).toContain('Reindexing');
    await reader.context().close();
  });
  it('an admin silences a firing Prometheus alert from the Silences page, the form filled with its labels', async () => {
    const iso = (offsetMs: number) => new Date(h.clock.now() + offsetMs).toISOString();
    const alert = (instance: string) => ({
      labels: { alertname: 'DiskFull', instance, severity: 'warning' },
      annotations: { summary: `Disk of ${instance} is 95% full` },
      startsAt: iso(-60_000),
      endsAt: iso(4 * 60_000),
    });
    const posted = await h.request('POST', '/api/v1/projects/acme/api/alertmanager/api/v2/alerts', [
      alert('db-31'),
      alert('db-32'),
    ]);
    expect(posted.status).toBe(200);

    const page = await signIn(await memberToken('una@acme.test', 'Una', 'admin'));
    await page.goto(`${h.url}/silences?project=api`);
    const firing = page.getByRole('region', { name: 'Firing alerts' });
    const itemOf = (instance: string) =>
      firing.getByTestId('firing-alert').filter({ hasText: `instance="${instance}"` });
    await itemOf('db-31').getByText('Disk of db-31 is 95% full').waitFor();
    expect(await itemOf('db-31').getByTestId('alert-state').textContent()).toBe('Active');
    await itemOf('db-31').getByRole('button', { name: 'Silence' }).click();

    const form = page.getByRole('form', { name: 'New silence' });
    const row = (n: number) => form.getByRole('group', { name: `Matcher ${n}` });
    const rows = await Promise.all(
      [1, 2, 3].map(async (n) => [
        await row(n).getByLabel('Name').inputValue(),
        await row(n).getByLabel('Value').inputValue(),
      ]),
    );
    expect(rows).toEqual([
      ['alertname', 'DiskFull'],
      ['instance', 'db-31'],
      ['severity', 'warning'],
    ]);
    await form.getByLabel('Comment').fill('Resizing the volume of db-31');
    await form.getByRole('button', { name: 'Create silence' }).click();
    await page
      .getByText('Silence alertname="DiskFull", instance="db-31", severity="warning" created, until')
      .waitFor();
    // The alert says it is silenced, and offers no second silence; its neighbour still fires.
    await expect.poll(() => itemOf('db-31').getByTestId('alert-state').textContent()).toBe('Silenced');
    expect(await itemOf('db-31').getByRole('button', { name: 'Silence' }).count()).toBe(0);
    expect(await itemOf('db-32').getByTestId('alert-state').textContent()).toBe('Active');
    const silences = (await h.request('GET', '/api/v1/projects/acme/api/silences?state=active')).body.data;
    const made = silences.find((s: { comment: string }) => s.comment === 'Resizing the volume of db-31');
    expect(made.matchers).toEqual([
      { name: 'alertname', value: 'DiskFull', isRegex: false, isEqual: true },
      { name: 'instance', value: 'db-31', isRegex: false, isEqual: true },
      { name: 'severity', value: 'warning', isRegex: false, isEqual: true },
    ]);
    // Expired, the alert fires again.
    await h.request('DELETE', `/api/v1/projects/acme/api/silences/${made.id}`);
    await page.reload();
    await expect.poll(() => itemOf('db-31').getByTestId('alert-state').textContent()).toBe('Active');
    // Resolved by Prometheus, the alerts leave the list.
    await h.request('POST', '/api/v1/projects/acme/api/alertmanager/api/v2/alerts', [
      { ...alert('db-31'), endsAt: iso(-1) },
      { ...alert('db-32'), endsAt: iso(-1) },
    ]);
    await page.reload();
    await firing.waitFor();
    await expect.poll(() => firing.getByTestId('firing-alert').filter({ hasText: 'db-3' }).count()).toBe(0);
    await page.context().close();
  });

  it('an admin adds an inhibit rule severity="critical" → severity="warning" on alertname, instance and deletes it; a member only reads them', async () => {
    const listed = async () =>
      (await h.request('GET', '/api/v1/projects/acme/api/inhibit-rules')).body.data as {
        id: string;
        sourceMatchers: unknown[];
        targetMatchers: unknown[];
        equal: string[];
        comment: string;
      }[];

    const page = await signIn(await memberToken('kim@acme.test', 'Kim', 'admin'));
    await openPage(page, 'Silences');
    const section = page.getByRole('region', { name: 'Inhibit rules' });
    await section.getByText('No inhibit rule.').waitFor();
    await section.getByRole('button', { name: 'New inhibit rule' }).click();
    const form = section.getByRole('form', { name: 'New inhibit rule' });
    const source = form.getByRole('group', { name: 'Source matcher 1' });
    const target = form.getByRole('group', { name: 'Target matcher 1' });
    await source.getByLabel('Name').fill('severity');
    await source.getByLabel('Value').fill('critical');
    await target.getByLabel('Value').fill('warning');
    await form.getByLabel('Equal labels').fill('alertname, instance');
    await form.getByLabel('Comment').fill('A critical alert says it all');
    // The target's name left empty is named at its input, not the source's.
    await form.getByRole('button', { name: 'Add inhibit rule' }).click();
    await expect.poll(() => target.getByLabel('Name').getAttribute('aria-invalid')).toBe('true');
    expect(await source.getByLabel('Name').getAttribute('aria-invalid')).toBe('false');
    expect(await listed()).toEqual([]);

    await target.getByLabel('Name').fill('severity');
    await form.getByRole('button', { name: 'Add inhibit rule' }).click();
    await section.getByText('Inhibit rule severity="critical" → severity="warning" added.').waitFor();
    const item = section.getByTestId('inhibit-rule-item');
    await item.getByRole('list', { name: 'Source matchers' }).getByText('severity="critical"').waitFor();
    await item.getByRole('list', { name: 'Target matchers' }).getByText('severity="warning"').waitFor();
    await item.getByText('when equal: alertname, instance').waitFor();
    await item.getByText('A critical alert says it all').waitFor();
    expect(await listed()).toMatchObject([
      {
        sourceMatchers: [{ name: 'severity', value: 'critical', isRegex: false, isEqual: true }],
        targetMatchers: [{ name: 'severity', value: 'warning', isRegex: false, isEqual: true }],
        equal: ['alertname', 'instance'],
        comment: 'A critical alert says it all',
      },
    ]);

    // While a critical DiskFull on db-9 fires, the warning's issue says what mutes it, and leads there.
    const raise = async (severity: string) => {
      const sent = await h.request('POST', '/api/v1/projects/acme/api/events', {
        message: `DiskFull ${severity} on db-9`,
        tags: { alertname: 'DiskFull', instance: 'db-9', severity },
      });
      expect(sent.status, sent.text).toBe(202);
      return sent.body.issueId as string;
    };
    const critical = await raise('critical');
    const warning = await raise('warning');
    await expect
      .poll(async () => (await h.request('GET', `/api/v1/issues/${warning}`)).body.inhibitedBy)
      .toEqual([critical]);
    await page.goto(`${h.url}/issues/${warning}`);
    const inhibited = page.getByTestId('issue-inhibited');
    await inhibited.getByRole('link', { name: 'that inhibits it' }).click();
    await expect.poll(() => new URL(page.url()).pathname).toBe(`/issues/${critical}`);
    await page.goto(`${h.url}/silences?project=api`);

    // Delete asks once more; Cancel keeps the rule.
    await item.getByRole('button', { name: 'Delete', exact: true }).click();
    const ask = item.getByRole('form', {
      name: 'Delete inhibit rule severity="critical" → severity="warning"',
    });
    await ask.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => ask.count()).toBe(0);
    expect(await listed()).toHaveLength(1);
    await item.getByRole('button', { name: 'Delete', exact: true }).click();
    await ask.getByRole('button', { name: 'Delete this rule' }).click();
    await section.getByText('Inhibit rule severity="critical" → severity="warning" deleted.').waitFor();
    await expect.poll(() => item.count()).toBe(0);
    expect(await listed()).toEqual([]);
    await page.context().close();

    // A member reads the project's rules; nothing offers to add or delete one.
    const kept = await h.request('POST', '/api/v1/projects/acme/api/inhibit-rules', {
      sourceMatchers: [{ name: 'alertname', value: 'NodeDown' }],
      targetMatchers: [{ name: 'alertname', value: 'Node.*', isRegex: true }],
      equal: ['instance'],
      comment: 'A node down explains its other alerts',
    });
    expect(kept.status, kept.text).toBe(201);
    const reader = await signIn(await memberToken('lou@acme.test', 'Lou', 'member'));
    await openPage(reader, 'Silences');
    const readable = reader.getByRole('region', { name: 'Inhibit rules' }).getByTestId('inhibit-rule-item');
    await readable.getByText('alertname=~"Node.*"').waitFor();
    await readable.getByText('when equal: instance').waitFor();
    await readable.getByText('A node down explains its other alerts').waitFor();
    expect(await reader.getByRole('button', { name: 'New inhibit rule' }).count()).toBe(0);
    expect(await reader.getByRole('form', { name: 'New inhibit rule' }).count()).toBe(0);
    expect(await reader.getByRole('button', { name: 'Delete', exact: true }).count()).toBe(0);
    await reader.context().close();
  });
  it('an admin sets up an empty Herald in the dashboard: an organization, then a project and its DSN; a bad or taken slug is named at its field', async () => {
    // An installation of its own: the shared one has an organization already.
    const fresh = await startHerald();
    try {
      const page = await signIn(ADMIN_TOKEN, fresh.url);
      await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: fresh.url });
      await page.getByRole('heading', { name: 'Create an organization' }).waitFor();
      const orgForm = page.getByRole('form', { name: 'New organization' });
      await orgForm.getByLabel('Name', { exact: true }).fill('Globex');
      expect(await orgForm.getByLabel('Slug').inputValue()).toBe('globex');
      await orgForm.getByLabel('Slug').fill('Globex Corp');
      await orgForm.getByRole('button', { name: 'Create organization' }).click();
      await orgForm.getByText('must be lower-case letters, digits, dashes or underscores').waitFor();
      expect(await orgForm.getByLabel('Slug').getAttribute('aria-invalid')).toBe('true');
      expect((await fresh.request('GET', '/api/v1/orgs')).body.data).toEqual([]);

      await orgForm.getByLabel('Slug').fill('globex');
      await orgForm.getByRole('button', { name: 'Create organization' }).click();
      await page.getByText('Organization “Globex” created.').waitFor();
      await page.getByRole('heading', { name: 'Projects & teams' }).waitFor();
      expect((await fresh.request('GET', '/api/v1/orgs')).body.data).toMatchObject([
        { slug: 'globex', name: 'Globex' },
      ]);

      await page.getByRole('button', { name: 'New project' }).click();
      const form = page.getByRole('form', { name: 'New project' });
      await form.getByLabel('Name', { exact: true }).fill('Web shop');
      await form.getByLabel('Platform (optional)').fill('javascript');
      await form.getByRole('button', { name: 'Create project' }).click();
      const created = page.getByTestId('project-created');
      await created.getByText('Project “Web shop” created.').waitFor();
      const project = (await fresh.request('GET', '/api/v1/orgs/globex/projects/web-shop')).body;
      expect(project.platform).toBe('javascript');
      expect(await created.getByLabel('DSN').inputValue()).toBe(project.dsn);
      await created.getByRole('button', { name: 'Copy DSN' }).click();
      await created.getByText('Copied').waitFor();
      expect(await page.evaluate('navigator.clipboard.readText()')).toBe(project.dsn);

      // Read again later, the project keeps them: its DSN, and the address Prometheus posts alerts to.
      await page.reload();
      const item = page.getByTestId('project-item').filter({ hasText: 'Web shop' });
      expect(await item.getByLabel('DSN').inputValue()).toBe(project.dsn);
      const alertmanager = await item.getByLabel('Alertmanager URL').inputValue();
      expect(alertmanager).toBe(`${fresh.url}/api/v1/projects/globex/web-shop/alertmanager`);
      const alerts = await fetch(`${alertmanager}/api/v2/alerts`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify([{ labels: { alertname: 'DiskFull', instance: 'db-1' } }]),
      });
      expect(alerts.status, await alerts.text()).toBe(200);

      // A slug already taken is named at its field, as the bad one was.
      await page.getByRole('button', { name: 'New project' }).click();
      await form.getByLabel('Name', { exact: true }).fill('Web shop');
      await form.getByRole('button', { name: 'Create project' }).click();
      await form.getByText('is taken').waitFor();
      expect(await form.getByLabel('Slug').getAttribute('aria-invalid')).toBe('true');
      await form.getByRole('button', { name: 'Cancel' }).click();

      // Another organization, later, from the same page: it is the one shown once made.
      await page.getByRole('button', { name: 'New organization' }).click();
      const another = page.getByRole('form', { name: 'New organization' });
      await another.getByLabel('Name', { exact: true }).fill('Initech');
      await another.getByRole('button', { name: 'Create organization' }).click();
      await page.getByText('Organization “Initech” created.').waitFor();
      expect(await page.getByRole('banner').getByLabel('Organization').inputValue()).toBe('initech');
      await page.getByText('No projects yet.').waitFor();
      await page.context().close();
    } finally {
      await fresh.close();
    }
  });

  it('an admin who makes themselves a member is at once offered no change, on this page and the others, without a reload', async () => {
    const page = await signIn(await memberToken('zoe@acme.test', 'Zoe', 'admin'));
    await openPage(page, 'Members');
    await page.getByRole('button', { name: 'Add member' }).waitFor();
    const self = page.getByTestId('member-item').filter({ hasText: 'zoe@acme.test' });
    await self.getByLabel('Role').selectOption('member');
    await page.getByText('You are now a member.').waitFor();
    const me = await h.request('GET', '/api/v1/orgs/acme/members');
    expect(me.body.data.find((m: { email: string }) => m.email === 'zoe@acme.test').role).toBe('member');
    // What a member may do, the page offers at once: no role to change, no member to add.
    await expect.poll(() => page.getByRole('button', { name: 'Add member' }).count()).toBe(0);
    expect(await page.getByTestId('member-item').getByLabel('Role').count()).toBe(0);
    await openPage(page, 'Projects & teams');
    await page.getByText("You read this organization's projects and teams").waitFor();
    expect(await page.getByRole('button', { name: 'New team' }).count()).toBe(0);
    await page.context().close();
  });

  it('an owner adds a member with a role, changes it, puts them in a new team and removes them after confirming; a member only reads the list', async () => {
    type Listed = {
      userId: string;
      email: string;
      name: string;
      role: string;
      locale: string;
      timezone: string;
    };
    const members = async () => (await h.request('GET', '/api/v1/orgs/acme/members')).body.data as Listed[];
    const teamMembers = async (slug: string) =>
      (
        (await h.request('GET', '/api/v1/orgs/acme/teams')).body.data as {
          slug: string;
          memberIds: string[];
        }[]
      )
        .find((t) => t.slug === slug)
        ?.memberIds.toSorted();

    const page = await signIn(anaToken);
    await openPage(page, 'Members');
    await page.getByRole('button', { name: 'Add member' }).click();
    const form = page.getByRole('form', { name: 'Add a member' });
    await form.getByLabel('Email').fill('hal at acme.test');
    await form.getByLabel('Name (optional)').fill('Hal');
    await form.getByLabel('Role').selectOption('admin');
    await form.getByLabel('Language (optional)').selectOption('de');
    await form.getByLabel('Time zone (optional)').selectOption('Europe/Berlin');
    await form.getByRole('button', { name: 'Add member' }).click();
    await expect.poll(() => form.getByLabel('Email').getAttribute('aria-invalid')).toBe('true');
    expect((await members()).map((m) => m.name)).not.toContain('Hal');

    await form.getByLabel('Email').fill('hal@acme.test');
    await form.getByRole('button', { name: 'Add member' }).click();
    await page.getByText('Hal (hal@acme.test) added as an admin.').waitFor();
    const hal = (await members()).find((m) => m.email === 'hal@acme.test');
    expect(hal).toMatchObject({ name: 'Hal', role: 'admin', locale: 'de', timezone: 'Europe/Berlin' });
    // The same address twice: the API's conflict is named at the email.
    await page.getByRole('button', { name: 'Add member' }).click();
    await form.getByLabel('Email').fill('hal@acme.test');
    await form.getByRole('button', { name: 'Add member' }).click();
    await form.getByText('is already a member').waitFor();
    expect(await form.getByLabel('Email').getAttribute('aria-invalid')).toBe('true');
    await form.getByRole('button', { name: 'Cancel' }).click();

    const item = page.getByTestId('member-item').filter({ hasText: 'hal@acme.test' });
    await item.getByLabel('Role').selectOption('member');
    await page.getByText('Hal is now a member.').waitFor();
    expect((await members()).find((m) => m.userId === hal!.userId)?.role).toBe('member');
    // The last owner stays one: the API's refusal is shown at her role, which stays as it was.
    const self = page.getByTestId('member-item').filter({ hasText: 'ana@acme.test' });
    await self.getByLabel('Role').selectOption('admin');
    await self.getByRole('alert').getByText('is the last owner of the organization').waitFor();
    expect(await self.getByLabel('Role').inputValue()).toBe('owner');
    expect((await members()).find((m) => m.userId === ana)?.role).toBe('owner');

    // A team with Hal in it, which Ana then joins.
    await openPage(page, 'Projects & teams');
    await page.getByRole('button', { name: 'New team' }).click();
    const teamForm = page.getByRole('form', { name: 'New team' });
    await teamForm.getByLabel('Name', { exact: true }).fill('Payments');
    await teamForm.getByRole('group', { name: 'Members' }).getByLabel('hal@acme.test').check();
    await teamForm.getByRole('button', { name: 'Create team' }).click();
    await page.getByText('Team “Payments” created.').waitFor();
    const team = page.getByTestId('team-item').filter({ hasText: 'Payments' });
    await team.getByText('Members: Hal').waitFor();
    expect(await teamMembers('payments')).toEqual([hal!.userId]);
    await team.getByRole('button', { name: 'Edit' }).click();
    const edit = team.getByRole('form', { name: 'Edit team Payments' });
    await edit.getByLabel('ana@acme.test').check();
    await edit.getByRole('button', { name: 'Save team' }).click();
    await page.getByText('Team “Payments” saved.').waitFor();
    expect(await teamMembers('payments')).toEqual([ana, hal!.userId].toSorted());

    // Removing Hal asks first, saying what ends; Cancel keeps him.
    await openPage(page, 'Members');
    await item.getByRole('button', { name: 'Remove' }).click();
    const ask = item.getByRole('form', { name: 'Remove member Hal' });
    await ask.getByText('nothing more is sent to them from this organization').waitFor();
    await ask.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => ask.count()).toBe(0);
    expect((await members()).map((m) => m.userId)).toContain(hal!.userId);
    await item.getByRole('button', { name: 'Remove' }).click();
    await ask.getByRole('button', { name: 'Remove from the organization' }).click();
    await page.getByText('Hal removed from Acme.').waitFor();
    await expect.poll(() => item.count()).toBe(0);
    expect((await members()).map((m) => m.userId)).not.toContain(hal!.userId);
    expect(await teamMembers('payments')).toEqual([ana]);
    await page.context().close();

    // A member reads who is in the organization; nothing offers to change it.
    const max = (
      await h.request('POST', '/api/v1/orgs/acme/members', { email: 'max@acme.test', name: 'Max' })
    ).body.userId;
    const maxToken = (await h.request('POST', `/api/v1/users/${max}/tokens`, { name: 'browser' })).body.token;
    const reader = await signIn(maxToken);
    await openPage(reader, 'Members');
    await reader.getByText("You read this organization's members").waitFor();
    await reader.getByTestId('member-item').filter({ hasText: 'ana@acme.test' }).getByText('Owner').waitFor();
    expect(await reader.getByRole('button', { name: 'Add member' }).count()).toBe(0);
    expect(await reader.getByRole('button', { name: 'Remove' }).count()).toBe(0);
    expect(await reader.getByLabel('Role').count()).toBe(0);
    await reader.context().close();
  });

  it("an owner creates an API key, copies it the one time it is shown, renames it, posts Prometheus alerts with it as the project's configuration says, and revokes it after confirming; a member only reads the list", async () => {
    const page = await signIn(anaToken);
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: h.url });
    await openPage(page, 'API keys');
    await page.getByRole('button', { name: 'New API key' }).click();
    const form = page.getByRole('form', { name: 'New API key' });
    await form.getByLabel('Name').fill('Prometheus');
    await form.getByRole('button', { name: 'Create key' }).click();
    const created = page.getByTestId('api-key-created');
    await created.getByText('API key “Prometheus” created.').waitFor();
    await created.getByText('you will not see it again').waitFor();
    const token = await created.getByLabel('API key').inputValue();
    expect(token).toMatch(/^hrk_/);
    await created.getByRole('button', { name: 'Copy API key' }).click();
    await created.getByText('Copied').waitFor();
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(token);

    // Renamed to say which Prometheus uses it (an empty name is named at its field); the token stays.
    const made = page.getByTestId('api-key-item').filter({ hasText: `${token.slice(0, 8)}…` });
    await made.getByRole('button', { name: 'Rename' }).click();
    const renaming = made.getByRole('form', { name: 'Rename API key Prometheus' });
    await renaming.getByLabel('Name').fill(' ');
    await renaming.getByRole('button', { name: 'Save name' }).click();
    await expect.poll(() => renaming.getByLabel('Name').getAttribute('aria-invalid')).toBe('true');
    await renaming.getByLabel('Name').fill('Prometheus on prod-1');
    await renaming.getByRole('button', { name: 'Save name' }).click();
    await page
      .getByText('API key “Prometheus” is now “Prometheus on prod-1”; its token is unchanged.')
      .waitFor();
    const item = page.getByTestId('api-key-item').filter({ hasText: 'Prometheus on prod-1' });
    await item.getByText(`${token.slice(0, 8)}…`).waitFor();
    const keys = async () =>
      ((await h.request('GET', '/api/v1/orgs/acme/api-keys')).body.data as { name: string }[]).map(
        (k) => k.name,
      );
    expect(await keys()).toContain('Prometheus on prod-1');

    // Prometheus's configuration on the project's card, the key in place of its placeholder, is one
    // Herald takes alerts with.
    await openPage(page, 'Projects & teams');
    const project = page
      .getByTestId('project-item')
      .filter({ has: page.getByRole('heading', { name: 'API', exact: true }) });
    await project.getByText('Prometheus configuration').click();
    const config = await project.getByLabel('prometheus.yml').inputValue();
    expect(config).toContain('path_prefix: /api/v1/projects/acme/api/alertmanager');
    expect(config).toContain(`targets: ["${new URL(h.url).host}"]`);
    expect(config).toContain('credentials: <organization API key>');
    const field = (name: string) => new RegExp(`^\\s*-?\\s*${name}: (.+)$`, 'm').exec(config)?.[1];
    const target = JSON.parse(field('targets')!)[0];
    const post = (key: string) =>
      fetch(`${field('scheme')}://${target}${field('path_prefix')}/api/v2/alerts`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify([{ labels: { alertname: 'KeyCheck', instance: 'db-7' } }]),
      });
    const accepted = await post(token);
    expect(accepted.status, await accepted.text()).toBe(200);
    // So is the receiver for an Alertmanager kept in front of Herald.
    await project.getByText('Alertmanager configuration').click();
    const receiver = await project.getByLabel('alertmanager.yml').inputValue();
    expect(receiver).toContain('send_resolved: true');
    const webhook = /- url: (\S+)$/m.exec(receiver)![1]!;
    const relayed = await fetch(webhook, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        version: '4',
        status: 'firing',
        alerts: [{ status: 'firing', labels: { alertname: 'KeyCheck', instance: 'db-8' } }],
      }),
    });
    expect(relayed.status, await relayed.text()).toBe(200);

    // Read again, the list names the key; its token is nowhere on the page.
    await openPage(page, 'API keys');
    await item.waitFor();
    expect(await page.getByTestId('api-key-created').count()).toBe(0);
    expect(await page.content()).not.toContain(token);

    // Revoking asks first, saying what stops working; Cancel keeps the key working.
    await item.getByRole('button', { name: 'Revoke' }).click();
    const ask = item.getByRole('form', { name: 'Revoke API key Prometheus on prod-1' });
    await ask.getByText('is refused from then on, with 401').waitFor();
    await ask.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => ask.count()).toBe(0);
    expect((await h.request('GET', '/api/v1/orgs/acme/projects', undefined, { token })).status).toBe(200);
    await item.getByRole('button', { name: 'Revoke' }).click();
    await ask.getByRole('button', { name: 'Revoke this key' }).click();
    await page.getByText('API key “Prometheus on prod-1” revoked.').waitFor();
    await expect.poll(() => item.count()).toBe(0);
    expect(await keys()).not.toContain('Prometheus on prod-1');
    expect((await h.request('GET', '/api/v1/orgs/acme/projects', undefined, { token })).status).toBe(401);
    expect((await post(token)).status).toBe(401);
    await page.context().close();

    // A member reads which keys exist; nothing offers to create or revoke one.
    const kept = await h.request('POST', '/api/v1/orgs/acme/api-keys', { name: 'Backup script' });
    expect(kept.status, kept.text).toBe(201);
    const reader = await signIn(await memberToken('nia@acme.test', 'Nia'));
    await openPage(reader, 'API keys');
    await reader.getByText("You read this organization's API keys").waitFor();
    await reader.getByTestId('api-key-item').filter({ hasText: 'Backup script' }).waitFor();
    expect(await reader.getByRole('button', { name: 'New API key' }).count()).toBe(0);
    expect(await reader.getByRole('button', { name: 'Revoke' }).count()).toBe(0);
    expect(await reader.getByRole('button', { name: 'Rename' }).count()).toBe(0);
    await reader.context().close();
  });

  it('an admin renames the organization on Projects & teams, and the header says the new name; an empty name is named at its field; a member is not offered to', async () => {
    const page = await signIn(ADMIN_TOKEN);
    try {
      await page.goto(`${h.url}/projects?org=acme`);
      const form = page.getByRole('form', { name: 'Organization name' });
      const field = form.getByLabel('Organization name');
      await expect.poll(() => field.inputValue()).toBe('Acme');
      await field.fill(' ');
      await form.getByRole('button', { name: 'Save name' }).click();
      await expect.poll(() => field.getAttribute('aria-invalid')).toBe('true');
      expect((await h.request('GET', '/api/v1/orgs/acme')).body.name).toBe('Acme');
      await field.fill('Acme Industries');
      await form.getByRole('button', { name: 'Save name' }).click();
      await form.getByText('Name saved.').waitFor();
      expect((await h.request('GET', '/api/v1/orgs/acme')).body).toMatchObject({
        slug: 'acme',
        name: 'Acme Industries',
      });
      // The organization's name in the header, or in the organization list, is the new one.
      await expect.poll(() => page.getByRole('banner').textContent()).toContain('Acme Industries');
      // Saved, there is nothing more to save.
      expect(await form.getByRole('button', { name: 'Save name' }).isDisabled()).toBe(true);

      const reader = await signIn(await memberToken('vic@acme.test', 'Vic', 'member'));
      await reader.goto(`${h.url}/projects?org=acme`);
      await reader.getByRole('heading', { name: 'Projects & teams' }).waitFor();
      await reader.getByText("You read this organization's projects and teams").waitFor();
      expect(await reader.getByRole('form', { name: 'Organization name' }).count()).toBe(0);
      await reader.context().close();
    } finally {
      // The organization's other stories read its name as it was.
      await h.request('PATCH', '/api/v1/orgs/acme', { name: 'Acme' });
      await page.context().close();
    }
  });

  it('an owner renames a project, moves it to a team, caps the events it takes and lifts the cap; a count of 0 is named at its field; a member is not offered to edit', async () => {
    expect(
      (await h.request('POST', '/api/v1/orgs/acme/projects', { slug: 'billing', name: 'Billing' })).status,
    ).toBe(201);
    const crew = (
      await h.request('POST', '/api/v1/orgs/acme/teams', { slug: 'billing-crew', name: 'Billing crew' })
    ).body.id;
    const stored = async () => (await h.request('GET', '/api/v1/orgs/acme/projects/billing')).body;

    const page = await signIn(anaToken);
    await openPage(page, 'Projects & teams');
    const item = page.getByTestId('project-item').filter({ has: page.getByText('billing', { exact: true }) });
    await item.getByRole('button', { name: 'Edit' }).click();
    const form = item.getByRole('form', { name: 'Edit project Billing' });
    await form.getByLabel('Name').fill('Invoicing');
    await form.getByRole('group', { name: 'Teams' }).getByLabel('Billing crew').check();
    await form.getByLabel('Cap the events it takes').check();
    await form.getByLabel('Events', { exact: true }).fill('0');
    await form.getByLabel('Per').selectOption({ label: 'minute' });
    await form.getByRole('button', { name: 'Save project' }).click();
    await expect
      .poll(() => form.getByLabel('Events', { exact: true }).getAttribute('aria-invalid'))
      .toBe('true');
    await form.getByText('must be at least 1').waitFor();
    expect(await form.getByLabel('Name').getAttribute('aria-invalid')).toBe('false');
    expect(await stored()).toMatchObject({ name: 'Billing', teamIds: [], rateLimit: null });

    await form.getByLabel('Events', { exact: true }).fill('500');
    await form.getByRole('button', { name: 'Save project' }).click();
    await page.getByText('Project “Invoicing” saved.').waitFor();
    expect(await stored()).toMatchObject({
      name: 'Invoicing',
      teamIds: [crew],
      rateLimit: { count: 500, windowSeconds: 60 },
    });
    await item.getByRole('heading', { name: 'Invoicing' }).waitFor();
    await item.getByText('teams: Billing crew').waitFor();
    expect(await item.getByTestId('project-rate-limit').textContent()).toContain(
      'at most 500 events per minute',
    );

    // Opened again, the form holds the cap; unticked, the project takes every event again.
    await item.getByRole('button', { name: 'Edit' }).click();
    const again = item.getByRole('form', { name: 'Edit project Invoicing' });
    expect(await again.getByLabel('Events', { exact: true }).inputValue()).toBe('500');
    await again.getByLabel('Cap the events it takes').uncheck();
    await again.getByRole('button', { name: 'Save project' }).click();
    await page.getByText('Project “Invoicing” saved.').waitFor();
    await expect.poll(async () => (await stored()).rateLimit).toBeNull();
    expect(await stored()).toMatchObject({ name: 'Invoicing', teamIds: [crew] });
    await expect.poll(() => item.getByTestId('project-rate-limit').count()).toBe(0);
    await page.context().close();

    const reader = await signIn(await memberToken('oto@acme.test', 'Oto'));
    await openPage(reader, 'Projects & teams');
    await reader.getByTestId('project-item').filter({ hasText: 'Invoicing' }).waitFor();
    expect(await reader.getByTestId('project-item').getByRole('button', { name: 'Edit' }).count()).toBe(0);
    await reader.context().close();
  });

  it('Templates page: an owner overrides the issue alert’s email subject and body in Liquid, previews them filled with the sample’s values (the body in a sandboxed frame, not in the page) and saves them; the API answers the override', async () => {
    const stored = () => h.request('GET', '/api/v1/orgs/acme/templates/issue_alert/email');
    expect((await stored()).status).toBe(404);

    const page = await signIn(anaToken);
    await openPage(page, 'Templates');
    const cell = page.getByTestId('template-issue_alert-email');
    await cell.getByText('Default').waitFor();
    await cell.getByRole('link').click();
    await page.getByRole('heading', { name: 'Template: Issue alert by Email' }).waitFor();
    // The variables come from the type's payload, plus the message's context.
    const variables = page.getByTestId('template-variables');
    await variables.getByText('issue.title', { exact: true }).waitFor();
    await variables.getByText('links.settings', { exact: true }).waitFor();

    const form = page.getByRole('form', { name: 'Template Issue alert by Email' });
    const subject = '{{ project.name }} broke: {{ issue.title }}';
    const html = '<p id="probe">Seen {{ issue.timesSeen }} times: {{ issue.title }}</p>';
    await form.getByLabel('Subject').fill(subject);
    await form.getByLabel('HTML body').fill(html);
    await form.getByRole('button', { name: 'Preview' }).click();
    const preview = page.getByTestId('template-preview');
    await preview.getByText('With these parts, rendered with sample data.').waitFor();
    expect(await preview.getByTestId('preview-subject').textContent()).toContain(
      "Checkout API broke: TypeError: Cannot read properties of undefined (reading 'total')",
    );
    const frame = preview.locator('iframe');
    expect(await frame.getAttribute('sandbox')).toBe('');
    await preview
      .frameLocator('iframe')
      .locator('#probe')
      .getByText("Seen 1284 times: TypeError: Cannot read properties of undefined (reading 'total')")
      .waitFor();
    // The template's HTML is in the frame only; the text part is shown as text.
    expect(await page.locator('#probe').count()).toBe(0);
    expect(await preview.getByTestId('preview-text').textContent()).toContain('Seen 1284 times');
    expect((await stored()).status).toBe(404);

    await form.getByRole('button', { name: 'Save template' }).click();
    await page.getByText('Template saved: Issue alert by Email now uses these parts.').waitFor();
    const saved = await stored();
    expect(saved.status, saved.text).toBe(200);
    expect(saved.body).toMatchObject({ type: 'issue_alert', channel: 'email', parts: { subject, html } });
    expect(Object.keys(saved.body.parts).toSorted()).toEqual(['html', 'subject']);

    await page.getByRole('link', { name: 'All templates' }).click();
    await cell.getByText('Overridden').waitFor();
    await cell.getByText('subject, html').waitFor();
    await page.context().close();
  });

  it('Templates page: a Liquid syntax error is shown at its part with its line, and nothing is saved', async () => {
    const stored = () => h.request('GET', '/api/v1/orgs/acme/templates/assigned/email');
    const page = await signIn(anaToken);
    await page.goto(`${h.url}/templates/assigned/email`);
    const form = page.getByRole('form', { name: 'Template Assigned by Email' });
    await form.getByLabel('Subject').fill('Assigned to {{ assignee.name }}');
    await form
      .getByLabel('HTML body')
      .fill('<p>Assigned to {{ assignee.name }}</p>\n<p>{% if actor %}by {{ actor.name }}</p>');
    await form.getByRole('button', { name: 'Preview' }).click();
    const body = form.getByLabel('HTML body');
    await expect.poll(() => body.getAttribute('aria-invalid')).toBe('true');
    await form.getByText('line 2, column 4: tag {% if actor %} not closed').waitFor();
    expect(await form.getByLabel('Subject').getAttribute('aria-invalid')).toBe('false');
    expect(await page.getByTestId('template-preview').count()).toBe(0);

    // The line it names is one click away.
    await form.getByRole('button', { name: 'Go to line 2 of HTML body' }).click();
    const selected = await body.evaluate((el) => {
      // The tests are compiled without the DOM's types: the text area's few fields read here.
      const area = el as unknown as {
        value: string;
        selectionStart: number;
        selectionEnd: number;
        ownerDocument: { activeElement: unknown };
      };
      return area.ownerDocument.activeElement === el
        ? area.value.slice(area.selectionStart, area.selectionEnd)
        : null;
    });
    expect(selected).toBe('<p>{% if actor %}by {{ actor.name }}</p>');

    // Saving is refused the same way, at the same part.
    await form.getByRole('button', { name: 'Save template' }).click();
    await form.getByText('Some fields need attention').waitFor();
    await form.getByText('line 2, column 4: tag {% if actor %} not closed').waitFor();
    expect((await stored()).status).toBe(404);
    await page.context().close();
  });

  it('Templates page: Reset to default deletes the override after confirming, and the built-in rendering applies again', async () => {
    const path = '/api/v1/orgs/acme/templates/release/slack';
    const put = await h.request('PUT', path, { parts: { text: 'Release {{ release.version }} is out' } });
    expect(put.status, put.text).toBe(200);

    const page = await signIn(anaToken);
    await openPage(page, 'Templates');
    const cell = page.getByTestId('template-release-slack');
    await cell.getByText('Overridden').waitFor();
    await cell.getByRole('link').click();
    const form = page.getByRole('form', { name: 'Template Release by Slack' });
    await expect
      .poll(() => form.getByLabel('Text', { exact: true }).inputValue())
      .toBe('Release {{ release.version }} is out');

    // Cancel keeps it.
    await form.getByRole('button', { name: 'Reset to default' }).click();
    const ask = page.getByRole('form', { name: 'Reset template Release by Slack' });
    await ask.getByText('messages are rendered by Herald again').waitFor();
    await ask.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => ask.count()).toBe(0);
    expect((await h.request('GET', path)).status).toBe(200);

    await form.getByRole('button', { name: 'Reset to default' }).click();
    await ask.getByRole('button', { name: 'Reset to default' }).click();
    await page.getByText('Release by Slack is back to Herald’s default rendering.').waitFor();
    expect((await h.request('GET', path)).status).toBe(404);
    expect(await form.getByLabel('Text', { exact: true }).inputValue()).toBe('');
    await page.getByTestId('template-state').getByText('Herald’s built-in rendering applies').waitFor();
    expect(await form.getByRole('button', { name: 'Reset to default' }).count()).toBe(0);

    await page.getByRole('link', { name: 'All templates' }).click();
    await cell.getByText('Default').waitFor();
    await page.context().close();
  });

  it('Templates page: a member reads and previews the organization’s override but is offered no Save or Reset', async () => {
    const put = await h.request('PUT', '/api/v1/orgs/acme/templates/deploy/inapp', {
      parts: { title: 'Deployed {{ release.version }} to {{ deploy.environment }}' },
    });
    expect(put.status, put.text).toBe(200);
    const reader = await signIn(await memberToken('tia@acme.test', 'Tia'));
    await openPage(reader, 'Templates');
    await reader.getByText("You read and preview this organization's templates").waitFor();
    const cell = reader.getByTestId('template-deploy-inapp');
    await cell.getByText('Overridden').waitFor();
    await cell.getByRole('link').click();
    const form = reader.getByRole('form', { name: 'Template Deploy by In-app' });
    const title = form.getByLabel('Title');
    await expect
      .poll(() => title.inputValue())
      .toBe('Deployed {{ release.version }} to {{ deploy.environment }}');
    expect(await title.isEditable()).toBe(false);
    for (const name of ['Save template', 'Reset to default']) {
      expect(await reader.getByRole('button', { name }).count()).toBe(0);
    }
    // A preview changes nothing: the member sees how the override reads.
    await reader.getByRole('button', { name: 'Preview' }).click();
    await reader
      .getByText(/Deployed \S+ to \S+/)
      .first()
      .waitFor();
    await reader.context().close();
  });

  it('an owner limits email to 3 an hour and gives a delivery 5 attempts on Delivery settings, then lifts the email limit; the API answers each', async () => {
    const throttle = async () => (await h.request('GET', '/api/v1/orgs/acme/throttle')).body;
    try {
      const page = await signIn(anaToken);
      await openPage(page, 'Delivery settings');
      const email = page.getByRole('group', { name: 'Email', exact: true });
      // Never set, the channel shows Herald's default, and says so.
      await expect.poll(() => email.getByLabel('Messages').inputValue()).toBe('20');
      await email.getByText("Herald's default: 20 per hour.").waitFor();
      await email.getByLabel('Messages').fill('3');
      await email.getByLabel('Per').selectOption({ label: 'hour' });
      await page.getByRole('button', { name: 'Save limits' }).click();
      await page.getByText('Limits saved.').waitFor();
      expect(await throttle()).toMatchObject({
        limits: { email: { limit: 3, windowSeconds: 3600 }, slack: { limit: 30, windowSeconds: 600 } },
        overrides: { email: { limit: 3, windowSeconds: 3600 } },
      });
      // The channels left alone still follow Herald's defaults.
      expect(Object.keys((await throttle()).overrides)).toEqual(['email']);

      await page.getByLabel('Attempts per delivery').fill('5');
      await page.getByRole('button', { name: 'Save retries' }).click();
      await page.getByText('Retries saved.').waitFor();
      expect((await h.request('GET', '/api/v1/orgs/acme/retries')).body).toEqual({ maxAttempts: 5 });

      // Opened again, the page holds what was saved; then email is not limited at all.
      await page.reload();
      await expect.poll(() => email.getByLabel('Messages').inputValue()).toBe('3');
      await email.getByText('Set for this organization').waitFor();
      expect(await page.getByLabel('Attempts per delivery').inputValue()).toBe('5');
      await email.getByLabel('Limit what one recipient gets').uncheck();
      await page.getByRole('button', { name: 'Save limits' }).click();
      await page.getByText('Limits saved.').waitFor();
      expect(await throttle()).toMatchObject({ limits: { email: null }, overrides: { email: null } });
      await email.getByText('No limit: every message goes out as it comes.').waitFor();
      await page.context().close();
    } finally {
      // The organization's other stories send their alerts on Herald's defaults.
      await h.request('PUT', '/api/v1/orgs/acme/throttle', { limits: {} });
      await h.request('PUT', '/api/v1/orgs/acme/retries', { maxAttempts: 8 });
    }
  });

  it("an owner sets a project's digest schedule and an ownership rule on Delivery settings, which the API then answers", async () => {
    expect(
      (await h.request('POST', '/api/v1/orgs/acme/projects', { slug: 'storefront', name: 'Storefront' }))
        .status,
    ).toBe(201);
    expect(
      (await h.request('POST', '/api/v1/orgs/acme/teams', { slug: 'checkout', name: 'Checkout' })).status,
    ).toBe(201);
    const page = await deliverySettingsOf('Storefront');
    const digests = page.getByRole('form', { name: 'Digest schedule' });
    await expect.poll(() => digests.getByLabel('Minimum delay (seconds)').inputValue()).toBe('300');
    await digests.getByLabel('Minimum delay (seconds)').fill('120');
    await digests.getByLabel('Maximum delay (seconds)').fill('900');
    await digests.getByLabel('Send the first alert of each new issue at once').uncheck();
    await digests.getByRole('button', { name: 'Save digest schedule' }).click();
    await page.getByText('Digest schedule saved.').waitFor();
    expect((await h.request('GET', '/api/v1/projects/acme/storefront/digests')).body).toEqual({
      minimumDelay: 120,
      maximumDelay: 900,
      increment: 30,
      immediateNewIssues: false,
    });

    const ownership = page.getByRole('form', { name: 'Ownership rules' });
    await ownership
      .getByLabel('Rules')
      .fill('# The checkout team’s, with Ana\npath:src/checkout/** #checkout Ana@acme.test');
    await ownership.getByRole('button', { name: 'Save ownership rules' }).click();
    await page.getByText('Ownership rules saved.').waitFor();
    const answered = (await h.request('GET', '/api/v1/projects/acme/storefront/ownership')).body;
    // The comment stays where it was written; the rule reads as Herald reads it.
    expect(answered.raw).toBe(
      '# The checkout team’s, with Ana\npath:src/checkout/** #checkout ana@acme.test',
    );
    expect(answered.rules).toMatchObject([
      {
        matcher: { type: 'path', pattern: 'src/checkout/**' },
        owners: [
          { type: 'team', identifier: 'checkout' },
          { type: 'user', identifier: 'ana@acme.test', id: ana },
        ],
      },
    ]);
    // The form shows the rules as Herald keeps them, and so it does when the page is opened again.
    expect(await ownership.getByLabel('Rules').inputValue()).toBe(answered.raw);
    await page.reload();
    await page.getByLabel('Project', { exact: true }).selectOption({ label: 'Storefront' });
    await expect
      .poll(() => page.getByRole('form', { name: 'Ownership rules' }).getByLabel('Rules').inputValue())
      .toBe(answered.raw);
    await page.context().close();
  });

  it('Delivery settings names a bad ownership rule at its line and a digest delay out of range at its field, and saves neither', async () => {
    expect(
      (await h.request('POST', '/api/v1/orgs/acme/projects', { slug: 'ledger', name: 'Ledger' })).status,
    ).toBe(201);
    const page = await deliverySettingsOf('Ledger');
    const digests = page.getByRole('form', { name: 'Digest schedule' });
    const maximum = digests.getByLabel('Maximum delay (seconds)');
    await expect.poll(() => maximum.inputValue()).toBe('1800');
    await maximum.fill('7200');
    await digests.getByRole('button', { name: 'Save digest schedule' }).click();
    await expect.poll(() => maximum.getAttribute('aria-invalid')).toBe('true');
    await digests.getByText('must be at most 3600').waitFor();
    expect(await digests.getByLabel('Minimum delay (seconds)').getAttribute('aria-invalid')).toBe('false');
    expect((await h.request('GET', '/api/v1/projects/acme/ledger/digests')).body).toMatchObject({
      minimumDelay: 300,
      maximumDelay: 1800,
    });

    const ownership = page.getByRole('form', { name: 'Ownership rules' });
    const rules = ownership.getByLabel('Rules');
    // A rule without its matcher, after a blank line: the third line.
    await rules.fill('path:src/ledger/** ana@acme.test\n\nsrc/ledger/export.ts ana@acme.test');
    await ownership.getByRole('button', { name: 'Save ownership rules' }).click();
    const named = ownership.getByRole('alert').filter({ hasText: 'Line 3' });
    await named.waitFor();
    expect(await named.textContent()).toContain(
      'src/ledger/export.ts ana@acme.test: Expected path:, module:, url: or tags.<key>: before the pattern',
    );
    expect(await rules.getAttribute('aria-invalid')).toBe('true');
    // An owner the organization does not have is named at its line too; pressing it selects the line.
    await rules.fill('path:src/ledger/** ana@acme.test\nurl:*/ledger/* ghost@acme.test');
    await ownership.getByRole('button', { name: 'Save ownership rules' }).click();
    await ownership.getByText('ghost@acme.test is not a member of this organization').waitFor();
    await ownership.getByRole('button', { name: 'Line 2' }).click();
    expect(
      await rules.evaluate((t) => {
        const area = t as unknown as { value: string; selectionStart: number; selectionEnd: number };
        return area.value.slice(area.selectionStart, area.selectionEnd);
      }),
    ).toBe('url:*/ledger/* ghost@acme.test');
    expect((await h.request('GET', '/api/v1/projects/acme/ledger/ownership')).body.raw).toBe('');
    await page.context().close();
  });

  it("a member reads the organization's limits and retries and a project's digest schedule and ownership rules on Delivery settings, and is offered no change", async () => {
    expect(
      (await h.request('POST', '/api/v1/orgs/acme/projects', { slug: 'search', name: 'Search' })).status,
    ).toBe(201);
    expect(
      (
        await h.request('PUT', '/api/v1/projects/acme/search/digests', {
          minimumDelay: 600,
          maximumDelay: 1200,
        })
      ).status,
    ).toBe(200);
    expect(
      (await h.request('PUT', '/api/v1/projects/acme/search/ownership', 'path:src/search/** ana@acme.test'))
        .status,
    ).toBe(200);
    const reader = await signIn(await memberToken('pia@acme.test', 'Pia'));
    await openPage(reader, 'Delivery settings');
    await reader.getByText("You read this organization's delivery settings").waitFor();
    const email = reader.getByRole('group', { name: 'Email', exact: true });
    await expect.poll(() => email.getByLabel('Messages').inputValue()).toBe('20');
    expect(await email.getByLabel('Messages').isDisabled()).toBe(true);
    expect(await email.getByLabel('Limit what one recipient gets').isDisabled()).toBe(true);
    const attempts = reader.getByLabel('Attempts per delivery');
    expect(await attempts.inputValue()).toBe('8');
    expect(await attempts.isDisabled()).toBe(true);

    await reader.getByLabel('Project', { exact: true }).selectOption({ label: 'Search' });
    const minimum = reader.getByLabel('Minimum delay (seconds)');
    await expect.poll(() => minimum.inputValue()).toBe('600');
    expect(await minimum.isDisabled()).toBe(true);
    const rules = reader.getByRole('form', { name: 'Ownership rules' }).getByLabel('Rules');
    expect(await rules.inputValue()).toBe('path:src/search/** ana@acme.test');
    expect(await rules.isEditable()).toBe(false);
    expect(await reader.getByRole('button', { name: /^Save/ }).count()).toBe(0);
    expect(await reader.getByRole('button', { name: /Use Herald's default/ }).count()).toBe(0);
    await reader.context().close();
  });
});
