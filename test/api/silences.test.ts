import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ManualClock, systemClock } from '../../src/clock.js';
import { startHerald, type TestHerald } from '../helpers/herald.js';
import { opsOrg } from '../helpers/ops-org.js';
import { SKIP_PROFILE } from '../helpers/profile.js';

const SILENCES = '/api/v1/projects/ops/infra/silences';
const AM = '/api/v1/projects/ops/infra/alertmanager/api/v2';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** Herald's silences API: create, list by state, read, expire; validation and roles. */
describe.skipIf(SKIP_PROFILE)('silences API', () => {
  let h: TestHerald;
  let clock: ManualClock;
  let tokens: Awaited<ReturnType<typeof opsOrg>>;
  const at = (offsetMs: number) => new Date(clock.now() + offsetMs).toISOString();
  const body = (extra: Record<string, unknown> = {}) => ({
    matchers: [{ name: 'instance', value: 'db-1' }],
    endsAt: at(HOUR),
    comment: 'Disk swap on db-1',
    ...extra,
  });

  beforeAll(async () => {
    h = await startHerald();
    clock = h.clock as ManualClock;
    tokens = await opsOrg(h);
  });
  afterAll(() => h?.close());

  it('creates a silence (201) with its defaults, its id and its state', async () => {
    const created = await h.request('POST', SILENCES, body(), { token: tokens.owner });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toEqual({
      id: expect.stringMatching(UUID),
      matchers: [{ name: 'instance', value: 'db-1', isRegex: false, isEqual: true }],
      startsAt: at(0),
      endsAt: at(HOUR),
      createdBy: 'Olga',
      comment: 'Disk swap on db-1',
      status: { state: 'active' },
      createdAt: at(0),
      updatedAt: at(0),
      // What it has muted: nothing yet.
      mutedEvents: 0,
      lastMutedAt: null,
    });
    const read = await h.request('GET', `${SILENCES}/${created.body.id}`);
    expect(read.body).toEqual(created.body);
    // A start in the past is now; createdBy names the API key, unless the body names someone.
    const byKey = await h.request('POST', SILENCES, body({ startsAt: at(-HOUR) }), { token: tokens.key });
    expect(byKey.body).toMatchObject({ startsAt: at(0), createdBy: 'prometheus' });
    const named = await h.request('POST', SILENCES, body({ createdBy: 'ops-bot' }));
    expect(named.body.createdBy).toBe('ops-bot');
  });

  it('lists newest first, by state, a page at a time; DELETE expires one, which stays listed', async () => {
    clock.advance(1_000);
    const pending = (await h.request('POST', SILENCES, body({ startsAt: at(HOUR), endsAt: at(2 * HOUR) })))
      .body;
    expect(pending.status.state).toBe('pending');
    clock.advance(1_000);
    const doomed = (await h.request('POST', SILENCES, body())).body;

    const expired = await h.request('DELETE', `${SILENCES}/${doomed.id}`);
    expect(expired.status).toBe(204);
    const after = (await h.request('GET', `${SILENCES}/${doomed.id}`)).body;
    expect(after).toMatchObject({ endsAt: at(0), status: { state: 'expired' } });
    // Expiring a pending one means it never starts.
    expect((await h.request('DELETE', `${SILENCES}/${pending.id}`)).status).toBe(204);
    expect((await h.request('GET', `${SILENCES}/${pending.id}`)).body).toMatchObject({
      startsAt: at(0),
      endsAt: at(0),
      status: { state: 'expired' },
    });

    const ids = async (query: string) =>
      ((await h.request('GET', `${SILENCES}${query}`)).body.data as { id: string }[]).map((s) => s.id);
    expect(await ids('?state=expired')).toEqual([doomed.id, pending.id]);
    expect(await ids('?state=active')).toHaveLength(3);
    expect(await ids('?state=pending')).toEqual([]);
    const all = await ids('');
    expect(all).toHaveLength(5);
    expect(all[0]).toBe(doomed.id);
    const first = await h.request('GET', `${SILENCES}?limit=2`);
    expect(first.body.data).toHaveLength(2);
    const second = await h.request('GET', `${SILENCES}?limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body.data.map((s: { id: string }) => s.id)).toEqual(all.slice(2, 4));

    expect((await h.request('DELETE', `${SILENCES}/0190f0c8-0000-7000-8000-000000000000`)).status).toBe(404);
    expect((await h.request('GET', `${SILENCES}/nope`)).status).toBe(404);
    expect((await h.request('GET', `${SILENCES}?state=asleep`)).body.error.details[0].path).toBe(
      'query.state',
    );
  });

  it('refuses a bad silence, naming each bad field', async () => {
    const problems = async (payload: unknown) => {
      const answer = await h.request('POST', SILENCES, payload);
      expect(answer.status).toBe(400);
      return (answer.body.error.details as { path: string; message: string }[]).map((d) => d.path);
    };
    expect(await problems({ matchers: [{ name: 'instance', value: 'db-1' }], endsAt: at(HOUR) })).toEqual([
      'comment',
    ]);
    expect(await problems(body({ matchers: [] }))).toEqual(['matchers']);
    expect(
      await problems(
        body({ matchers: Array.from({ length: 21 }, (_, i) => ({ name: `n${i}`, value: 'x' })) }),
      ),
    ).toEqual(['matchers']);
    expect(
      await problems(
        body({
          matchers: [
            { name: 'instance', value: 'db-1' },
            { name: 'job', value: '(node', isRegex: true },
            { name: 'zone', value: '(?=eu)', isRegex: true },
          ],
        }),
      ),
    ).toEqual(['matchers.1.value', 'matchers.2.value']);
    const lookahead = await h.request(
      'POST',
      SILENCES,
      body({ matchers: [{ name: 'a', value: '(?=x)', isRegex: true }] }),
    );
    expect(lookahead.body.error.details[0].message).toContain('invalid or unsupported Perl syntax');
    // Matching every event, even one without the tag, is refused as Alertmanager refuses it.
    expect(await problems(body({ matchers: [{ name: 'instance', value: '.*', isRegex: true }] }))).toEqual([
      'matchers',
    ]);
    expect(await problems(body({ matchers: [{ name: '', value: 'x' }] }))).toEqual(['matchers.0.name']);
    expect(await problems(body({ endsAt: at(-1) }))).toEqual(['endsAt']);
    expect(await problems(body({ startsAt: at(2 * HOUR) }))).toEqual(['endsAt']);
    expect(await problems(body({ endsAt: at(400 * 24 * HOUR) }))).toEqual(['endsAt']);
    expect(await problems(body({ endsAt: 'tomorrow' }))).toEqual(['endsAt']);
    expect(await problems(body({ comment: 'x'.repeat(1001) }))).toEqual(['comment']);
    expect(await problems(body({ comment: '   ' }))).toEqual(['comment']);
    expect(await problems(body({ mute: true }))).toEqual(['']);
  });

  it('a member reads silences but may not create or expire one; other organizations see none', async () => {
    const made = (await h.request('POST', SILENCES, body())).body;
    const listed = await h.request('GET', SILENCES, undefined, { token: tokens.member });
    expect(listed.status).toBe(200);
    expect(listed.body.data.length).toBeGreaterThan(0);
    expect(
      (await h.request('GET', `${SILENCES}/${made.id}`, undefined, { token: tokens.member })).status,
    ).toBe(200);
    const refused = await h.request('POST', SILENCES, body(), { token: tokens.member });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('forbidden');
    expect(
      (await h.request('DELETE', `${SILENCES}/${made.id}`, undefined, { token: tokens.member })).status,
    ).toBe(403);
    expect(
      (await h.request('POST', `${AM}/silences`, body({ startsAt: at(0) }), { token: tokens.member })).status,
    ).toBe(403);
    expect((await h.request('GET', `${SILENCES}/${made.id}`)).body.status.state).toBe('active');

    await h.request('POST', '/api/v1/orgs', { slug: 'rival' });
    const rival = (await h.request('POST', '/api/v1/orgs/rival/api-keys', { name: 'k' })).body.token;
    expect((await h.request('GET', SILENCES, undefined, { token: rival })).status).toBe(404);
    expect((await h.request('GET', `${AM}/silence/${made.id}`, undefined, { token: rival })).status).toBe(
      404,
    );
  });

  it('refuses a silence past 1,000 pending or active ones, through both APIs; ended ones do not count', async () => {
    // A project with a year of ended maintenance windows behind it and 999 silences in force; inserted
    // directly, as a thousand API calls would only slow the test down.
    await h.request('POST', '/api/v1/orgs/ops/projects', { slug: 'busy' });
    const db = h.engine.store.db;
    const project = await db
      .selectFrom('projects')
      .innerJoin('organizations', 'organizations.id', 'projects.org_id')
      .select(['projects.id', 'projects.org_id'])
      .where('organizations.slug', '=', 'ops')
      .where('projects.slug', '=', 'busy')
      .executeTakeFirstOrThrow();
    const now = clock.now();
    const row = (startsIn: number, endsIn: number) => ({
      id: randomUUID(),
      org_id: project.org_id,
      project_id: project.id,
      matchers: JSON.stringify([{ name: 'instance', value: 'db-1', isRegex: false, isEqual: true }]),
      starts_at: now + startsIn,
      ends_at: now + endsIn,
      created_by: 'Olga',
      comment: 'Maintenance',
      created_at: now,
      updated_at: now,
      muted_events: 0,
    });
    const rows = [
      // An hour's window every 8 hours over the past year, all ended.
      ...Array.from({ length: 1000 }, (_, i) =>
        row(-365 * DAY + i * 8 * HOUR, -365 * DAY + i * 8 * HOUR + HOUR),
      ),
      ...Array.from({ length: 500 }, () => row(-HOUR, DAY)), // active
      ...Array.from({ length: 498 }, () => row(DAY, 2 * DAY)), // pending: they count too
      row(-HOUR, HOUR / 2), // active, ends in half an hour
    ];
    for (let i = 0; i < rows.length; i += 500)
      await db
        .insertInto('silences')
        .values(rows.slice(i, i + 500))
        .execute();
    const BUSY = '/api/v1/projects/ops/busy/silences';
    const BUSY_AM = '/api/v1/projects/ops/busy/alertmanager/api/v2/silences';
    const full = {
      code: 'conflict',
      message: 'The project has 1000 silences pending or active: expire some before adding more',
    };

    const thousandth = await h.request('POST', BUSY, body());
    expect(thousandth.status, JSON.stringify(thousandth.body)).toBe(201);
    const refused = await h.request('POST', BUSY, body());
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject(full);
    const refusedAm = await h.request('POST', BUSY_AM, body({ startsAt: at(0) }));
    expect(refusedAm.status).toBe(409);
    expect(refusedAm.body.error).toMatchObject(full);

    // Replacing one (new matchers) ends it as the new one starts: the count stays, so it is allowed.
    const replaced = await h.request(
      'POST',
      BUSY_AM,
      body({ id: thousandth.body.id, startsAt: at(0), matchers: [{ name: 'instance', value: 'db-2' }] }),
    );
    expect(replaced.status, JSON.stringify(replaced.body)).toBe(200);
    expect((await h.request('GET', `${BUSY}/${thousandth.body.id}`)).body.status.state).toBe('expired');

    // Expiring one makes room for one.
    expect((await h.request('DELETE', `${BUSY}/${replaced.body.silenceID}`)).status).toBe(204);
    expect((await h.request('POST', BUSY, body())).status).toBe(201);
    expect((await h.request('POST', BUSY, body())).status).toBe(409);

    // So does one that runs out on its own.
    clock.advance(HOUR / 2);
    const afterEnd = await h.request('POST', BUSY_AM, body({ startsAt: at(0) }));
    expect(afterEnd.status, JSON.stringify(afterEnd.body)).toBe(200);
    expect((await h.request('POST', BUSY_AM, body({ startsAt: at(0) }))).status).toBe(409);
    // Other projects of the organization have room of their own.
    expect((await h.request('POST', SILENCES, body())).status).toBe(201);
  });

  it('is documented in the OpenAPI document', async () => {
    const doc = (await h.request('GET', '/api/v1/openapi.json', undefined, { token: null })).body;
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/projects/{org}/{project}/silences',
        '/api/v1/projects/{org}/{project}/silences/{id}',
        '/api/v1/projects/{org}/{project}/alertmanager/api/v2/silences',
        '/api/v1/projects/{org}/{project}/alertmanager/api/v2/silence/{silenceID}',
      ]),
    );
  });
});

/** Alertmanager's v2 silence API under the project's Alertmanager path, in Alertmanager's shapes. */
describe.skipIf(SKIP_PROFILE)('Alertmanager-compatible silences', () => {
  let h: TestHerald;
  let clock: ManualClock;
  let key = '';
  const at = (offsetMs: number) => new Date(clock.now() + offsetMs).toISOString();
  const postable = (extra: Record<string, unknown> = {}) => ({
    matchers: [
      { name: 'alertname', value: 'DiskFull', isRegex: false, isEqual: true },
      { name: 'instance', value: 'db-.*', isRegex: true, isEqual: true },
    ],
    startsAt: at(0),
    endsAt: at(HOUR),
    createdBy: 'amtool-user',
    comment: 'Disk swaps',
    ...extra,
  });
  const gettableKeys = [
    'comment',
    'createdBy',
    'endsAt',
    'id',
    'matchers',
    'startsAt',
    'status',
    'updatedAt',
  ];

  beforeAll(async () => {
    h = await startHerald();
    clock = h.clock as ManualClock;
    key = (await opsOrg(h)).key;
  });
  afterAll(() => h?.close());

  it('POST answers {silenceID}; GET answers gettableSilences; DELETE expires with 200', async () => {
    const posted = await h.request('POST', `${AM}/silences`, postable(), { token: key });
    expect(posted.status, JSON.stringify(posted.body)).toBe(200);
    expect(posted.body).toEqual({ silenceID: expect.stringMatching(UUID) });
    const id = posted.body.silenceID;

    const one = await h.request('GET', `${AM}/silence/${id}`, undefined, { token: key });
    expect(one.status).toBe(200);
    expect(Object.keys(one.body).sort()).toEqual(gettableKeys);
    expect(one.body).toEqual({
      id,
      status: { state: 'active' },
      updatedAt: at(0),
      matchers: postable().matchers,
      startsAt: at(0),
      endsAt: at(HOUR),
      createdBy: 'amtool-user',
      comment: 'Disk swaps',
    });
    const list = await h.request('GET', `${AM}/silences`, undefined, { token: key });
    expect(list.status).toBe(200);
    expect(list.body).toEqual([one.body]);
    // The same silence through Herald's own API.
    expect((await h.request('GET', `${SILENCES}/${id}`)).body.status.state).toBe('active');

    // Basic auth with the key as the password, as the alerts endpoint takes it.
    const basic = `Basic ${Buffer.from(`amtool:${key}`).toString('base64')}`;
    const deleted = await h.request('DELETE', `${AM}/silence/${id}`, undefined, {
      token: null,
      headers: { authorization: basic },
    });
    expect(deleted.status).toBe(200);
    expect(deleted.text).toBe('');
    expect((await h.request('GET', `${AM}/silence/${id}`, undefined, { token: key })).body.status).toEqual({
      state: 'expired',
    });
    expect((await h.request('DELETE', `${AM}/silence/0190f0c8-0000-7000-8000-000000000000`)).status).toBe(
      404,
    );
    expect((await h.request('GET', `${AM}/silence/0190f0c8-0000-7000-8000-000000000000`)).status).toBe(404);
  });

  it('POST with the id of a silence updates it in place when only its end or comment change, else replaces it', async () => {
    const id = (await h.request('POST', `${AM}/silences`, postable(), { token: key })).body.silenceID;
    const original = (await h.request('GET', `${AM}/silence/${id}`)).body;
    clock.advance(60_000);

    const longer = await h.request(
      'POST',
      `${AM}/silences`,
      { ...postable({ id, endsAt: at(2 * HOUR), comment: 'Takes longer' }), startsAt: original.startsAt },
      { token: key },
    );
    expect(longer.body).toEqual({ silenceID: id });
    expect((await h.request('GET', `${AM}/silence/${id}`)).body).toMatchObject({
      endsAt: at(2 * HOUR),
      comment: 'Takes longer',
      updatedAt: at(0),
      status: { state: 'active' },
    });

    const other = postable({
      id,
      matchers: [{ name: 'instance', value: 'db-2', isRegex: false, isEqual: true }],
    });
    const replaced = await h.request('POST', `${AM}/silences`, other, { token: key });
    expect(replaced.status).toBe(200);
    expect(replaced.body.silenceID).not.toBe(id);
    expect((await h.request('GET', `${AM}/silence/${id}`)).body.status.state).toBe('expired');
    expect((await h.request('GET', `${AM}/silence/${replaced.body.silenceID}`)).body).toMatchObject({
      matchers: other.matchers,
      status: { state: 'active' },
    });

    const unknown = await h.request(
      'POST',
      `${AM}/silences`,
      postable({ id: '0190f0c8-0000-7000-8000-000000000000' }),
    );
    expect(unknown.status).toBe(404);
  });

  it('lists active silences first, then pending, then expired, and filters by matchers', async () => {
    clock.advance(HOUR);
    const post = async (extra: Record<string, unknown>) =>
      (await h.request('POST', `${AM}/silences`, postable(extra), { token: key })).body.silenceID as string;
    const later = await post({ startsAt: at(HOUR), endsAt: at(2 * HOUR), comment: 'later' });
    const soon = await post({ endsAt: at(HOUR / 2), comment: 'soon' });
    const web = await post({
      matchers: [{ name: 'service', value: 'web', isRegex: false, isEqual: true }],
      comment: 'web',
    });
    const listed = (await h.request('GET', `${AM}/silences`, undefined, { token: key })).body as {
      id: string;
      status: { state: string };
    }[];
    const states = listed.map((s) => s.status.state);
    expect(states.indexOf('pending')).toBeGreaterThan(states.lastIndexOf('active'));
    expect(states.indexOf('expired')).toBeGreaterThan(states.lastIndexOf('pending'));
    expect(listed[0]!.id).toBe(soon);
    expect(listed.find((s) => s.status.state === 'pending')!.id).toBe(later);

    const filtered = async (...filters: string[]) =>
      (
        (
          await h.request(
            'GET',
            `${AM}/silences?${filters.map((f) => `filter=${encodeURIComponent(f)}`).join('&')}`,
          )
        ).body as { id: string }[]
      ).map((s) => s.id);
    expect(await filtered('service="web"')).toEqual([web]);
    expect(await filtered('service=~"w.*"', 'service!="api"')).toEqual([web]);
    expect(await filtered('alertname=DiskFull', 'instance=~"db-.*"')).not.toContain(web);
    const bad = await h.request('GET', `${AM}/silences?filter=${encodeURIComponent('=oops')}`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].path).toBe('query.filter.0');
  });
});

const exec = promisify(execFile);
/** Debian's prometheus-alertmanager package ships amtool; found on the PATH or not at all. */
const AMTOOL = await exec('amtool', ['--version']).then(
  () => 'amtool',
  () => null,
);
/** CI installs it (.ci/run): there the test runs, and fails if amtool is missing. */
const IN_CI = process.env.CI === 'true';
if (!AMTOOL && !IN_CI)
  process.stderr.write(
    '\namtool is not installed (apt-get install prometheus-alertmanager): the amtool test is skipped; the Alertmanager-compatible silences are tested over HTTP above.\n',
  );

/**
 * The real amtool against a project's Alertmanager path: `silence add`, `query`, `expire`. amtool judges
 * "expired" by the wall clock, so this Herald runs on it too.
 */
describe.skipIf(SKIP_PROFILE || (!AMTOOL && !IN_CI))('amtool against Herald', () => {
  let h: TestHerald;
  let dir = '';
  let amtool: (...args: string[]) => Promise<string>;
  let key = '';

  beforeAll(async () => {
    h = await startHerald({}, { clock: systemClock });
    key = (await opsOrg(h)).key;
    dir = await mkdtemp(join(tmpdir(), 'herald-amtool-'));
    const config = join(dir, 'http.yml');
    await writeFile(config, `authorization:\n  type: Bearer\n  credentials: ${key}\n`);
    amtool = async (...args) =>
      (
        await exec(AMTOOL ?? 'amtool', [
          ...args,
          `--alertmanager.url=${h.url}/api/v1/projects/ops/infra/alertmanager`,
          `--http.config.file=${config}`,
        ])
      ).stdout;
  });
  afterAll(async () => {
    await h?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('adds, queries and expires a silence', async () => {
    const id = (
      await amtool(
        'silence',
        'add',
        'alertname=DiskFull',
        'instance=~db-.*',
        '--comment=Disk swaps',
        '--author=olga',
        '--duration=2h',
      )
    ).trim();
    expect(id).toMatch(UUID);
    const silence = (await h.request('GET', `${SILENCES}/${id}`)).body;
    expect(silence).toMatchObject({
      matchers: [
        { name: 'alertname', value: 'DiskFull', isRegex: false, isEqual: true },
        { name: 'instance', value: 'db-.*', isRegex: true, isEqual: true },
      ],
      createdBy: 'olga',
      comment: 'Disk swaps',
      status: { state: 'active' },
    });

    const queried = JSON.parse(await amtool('silence', 'query', '-o', 'json')) as { id: string }[];
    expect(queried.map((s) => s.id)).toEqual([id]);
    expect((await amtool('silence', 'query', '-q', 'alertname=DiskFull')).trim()).toBe(id);
    expect((await amtool('silence', 'query', '-q', 'alertname=Other')).trim()).toBe('');

    await amtool('silence', 'expire', id);
    expect((await h.request('GET', `${SILENCES}/${id}`)).body.status.state).toBe('expired');
    // amtool hides what ended before its own now, which is later than Herald's when it expired it.
    expect((await amtool('silence', 'query', '-q')).trim()).toBe('');
    expect((await amtool('silence', 'query', '-q', '--expired')).trim()).toBe(id);
  });

  it('queries the firing alerts, the silenced ones only when asked', async () => {
    const now = Date.now();
    const alert = (alertname: string, instance: string) => ({
      labels: { alertname, instance },
      annotations: { summary: `${alertname} on ${instance}` },
      startsAt: new Date(now - 60_000).toISOString(),
      endsAt: new Date(now + 4 * 60_000).toISOString(),
    });
    const posted = await h.request(
      'POST',
      `${AM}/alerts`,
      [alert('CpuHigh', 'web-1'), alert('MemoryLow', 'web-2')],
      {
        token: key,
      },
    );
    expect(posted.status).toBe(200);
    await amtool('silence', 'add', 'alertname=MemoryLow', '--comment=Known leak', '--duration=1h');

    const shown = await amtool('alert', 'query');
    expect(shown).toContain('CpuHigh on web-1');
    expect(shown).not.toContain('MemoryLow');
    // A state flag given, amtool asks for those states only.
    const silenced = await amtool('alert', 'query', '--silenced');
    expect(silenced).toContain('MemoryLow on web-2');
    expect(silenced).not.toContain('CpuHigh');
    const all = await amtool('alert', 'query', '--silenced', '--active');
    expect(all).toContain('CpuHigh');
    expect(all).toContain('MemoryLow');
    const json = JSON.parse(await amtool('alert', 'query', '--silenced', '-o', 'json', 'instance=web-2')) as {
      labels: Record<string, string>;
      status: { state: string };
    }[];
    expect(json.map((a) => [a.labels.alertname, a.status.state])).toEqual([['MemoryLow', 'suppressed']]);
  });

  it("shows the project's configuration as an Alertmanager's: its receiver, route and inhibit rules", async () => {
    const rule = await h.request(
      'POST',
      '/api/v1/projects/ops/infra/inhibit-rules',
      {
        sourceMatchers: [{ name: 'severity', value: 'critical' }],
        targetMatchers: [{ name: 'severity', value: 'warning|info', isRegex: true }],
        equal: ['alertname', 'instance'],
      },
      { token: key },
    );
    expect(rule.status, JSON.stringify(rule.body)).toBe(201);
    // The configuration as it would be written for an Alertmanager (strings as JSON, which YAML reads).
    expect((await amtool('config', 'show')).trimEnd()).toBe(
      [
        'global:',
        '  resolve_timeout: 5m',
        'route:',
        '  receiver: "infra"',
        '  group_by: ["alertname"]',
        'receivers:',
        '  - name: "infra"',
        'inhibit_rules:',
        '  - source_matchers: ["severity=\\"critical\\""]',
        '    target_matchers: ["severity=~\\"warning|info\\""]',
        '    equal: ["alertname", "instance"]',
      ].join('\n'),
    );
    // amtool reads the configuration back as an Alertmanager's: its routing tree is the one route.
    expect(await amtool('config', 'routes')).toContain('infra');
    expect(
      (await amtool('config', 'routes', 'test', '--verify.receivers=infra', 'alertname=DiskFull')).trim(),
    ).toBe('infra');
    expect(await amtool('cluster', 'show')).toMatch(/Status:\s+disabled/);
  });
});
