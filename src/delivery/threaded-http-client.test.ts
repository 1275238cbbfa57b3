import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TransientDeliveryError } from './channel.js';
import { startHttpPeer, type TestPeer } from './channel-test-kit.js';
import { threadedHttpClient } from './threaded-http-client.js';

let peer: TestPeer;
let arrived = 0;
const dir = mkdtempSync(join(tmpdir(), 'herald-http-thread-'));

beforeAll(async () => {
  peer = await startHttpPeer((req, _body, res) => {
    arrived += 1;
    if (req.url === '/hang') return;
    if (req.url === '/late') return void setTimeout(() => res.end('late'), 1_000);
    res.end('ok');
  });
});

afterAll(async () => {
  await peer.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A thread module of the given source, in place of the real one. */
function threadModule(name: string, source: string): URL {
  const file = join(dir, `${name}.mjs`);
  writeFileSync(file, source);
  return pathToFileURL(file);
}

/** A thread that answers every request itself (299, naming it), so a test sees which side sent what. */
const answering = () =>
  threadModule(
    'answering',
    `import { parentPort } from 'node:worker_threads';
parentPort.on('message', (batch) =>
  parentPort.postMessage(
    batch.filter((m) => !m.abort).map((m) => ({ id: m.id, status: 299, headers: {}, body: new TextEncoder().encode('thread') })),
  ),
);
parentPort.postMessage('ready');
`,
  );

describe('threadedHttpClient', () => {
  it('sends a trickle itself and moves requests to the thread from threadFrom in flight on', async () => {
    const client = threadedHttpClient({
      allowPrivateTargets: true,
      threadFrom: 2,
      threadModule: answering(),
    });
    try {
      expect(await client.threadReady()).toBe(true);
      expect((await client.request({ url: `${peer.url}/one` })).text()).toBe('ok');
      const first = client.request({ url: `${peer.url}/late` });
      const second = client.request({ url: `${peer.url}/late` });
      const third = await client.request({ url: `${peer.url}/x` });
      expect([third.status, third.text()]).toEqual([299, 'thread']);
      expect((await first).text()).toBe('late');
      expect((await second).text()).toBe('late');
      expect((await client.request({ url: `${peer.url}/again` })).text()).toBe('ok');
    } finally {
      client.close();
    }
  });

  it('sends every request itself when the thread cannot start', async () => {
    const failing = threadModule('failing', "throw new Error('cannot start');\n");
    const client = threadedHttpClient({ allowPrivateTargets: true, threadFrom: 0, threadModule: failing });
    try {
      const sent = client.request({ url: `${peer.url}/one` });
      expect(await client.threadReady()).toBe(false);
      expect((await sent).text()).toBe('ok');
      expect((await client.request({ url: `${peer.url}/two` })).text()).toBe('ok');
    } finally {
      client.close();
    }
  });

  it('fails the requests a thread held when it stopped, as transient, and sends later ones itself', async () => {
    const crashing = threadModule(
      'crashing',
      `import { parentPort } from 'node:worker_threads';
parentPort.on('message', () => process.exit(1));
parentPort.postMessage('ready');
`,
    );
    const client = threadedHttpClient({ allowPrivateTargets: true, threadFrom: 0, threadModule: crashing });
    try {
      expect(await client.threadReady()).toBe(true);
      const held = await client.request({ url: `${peer.url}/secret-token/one` }).catch((e) => e);
      expect(held).toBeInstanceOf(TransientDeliveryError);
      expect(held).toMatchObject({ code: 'error' });
      expect(held.message).toBe(`${peer.url}: HTTP thread stopped`);
      expect((await client.request({ url: `${peer.url}/two` })).text()).toBe('ok');
    } finally {
      client.close();
    }
  });

  it('fails what its thread holds when closed, as transient', async () => {
    const client = threadedHttpClient({ allowPrivateTargets: true, threadFrom: 0 });
    expect(await client.threadReady()).toBe(true);
    const before = arrived;
    const hanging = client.request({ url: `${peer.url}/hang`, timeoutMs: 60_000 }).catch((e) => e);
    await expect.poll(() => arrived).toBe(before + 1);
    client.close();
    const err = await hanging;
    expect(err).toBeInstanceOf(TransientDeliveryError);
    expect(err.message).toBe(`${peer.url}: HTTP client closed`);
  });

  it('lets a process end once its thread holds no request', async () => {
    const script = join(dir, 'one-request.mts');
    writeFileSync(
      script,
      `import { threadedHttpClient } from ${JSON.stringify(new URL('./threaded-http-client.ts', import.meta.url).href)};
const client = threadedHttpClient({ allowPrivateTargets: true, threadFrom: 0 });
if (!(await client.threadReady())) throw new Error('no thread');
const res = await client.request({ url: ${JSON.stringify(`${peer.url}/late`)} });
console.log(res.status, res.text());
`,
    );
    // Not closed: the process ends once its one request was answered, and only then.
    // (Not spawnSync: the peer answering it runs in this process.)
    const run = await promisify(execFile)(process.execPath, ['--import', 'tsx', script], { timeout: 20_000 });
    expect(run.stderr).toBe('');
    expect(run.stdout.trim()).toBe('200 late');
  });
});
