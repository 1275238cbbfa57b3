import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..');
const dataDir = mkdtempSync(join(tmpdir(), 'herald-startup-'));

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

// Starts an embedded engine in a process of its own, then lists which of the heavy libraries are loaded,
// before and after one email and one Teams card are made; the cluster profile's clients never are.
const SCRIPT = `
import { createRequire } from 'node:module';
import { loadConfig } from './src/config.ts';
import { createEngine } from './src/engine.ts';
import { createLogger } from './src/logger.ts';
import { compileMjml } from './src/templates/email/mjml-compiler.ts';
import { libraryCardProblems } from './src/delivery/channels/msteams/adaptive-card-library.ts';
const loaded = () => Object.keys(createRequire(import.meta.url).cache)
  .flatMap((file) => ['mjml', 'adaptivecards', 'pg', 'ioredis'].filter((name) => file.includes('/node_modules/' + name + '/')))
  .filter((name, i, all) => all.indexOf(name) === i).sort();
const config = loadConfig({}, { HERALD_SECRET_KEY: 'startup-secret-key-0123456789abcdef0123' },
  { port: 0, dataDir: process.env.DATA_DIR, adminToken: 'startup-admin-token-0123', logLevel: 'silent' });
const engine = await createEngine(config, { logger: createLogger('silent') });
await engine.start();
const atStart = loaded();
await compileMjml('<mjml><mj-body></mj-body></mjml>');
libraryCardProblems({ type: 'AdaptiveCard', version: '1.4', body: [] });
console.log(JSON.stringify({ atStart, afterUse: loaded() }));
await engine.stop();
`;

describe('start-up', () => {
  it('loads the email and Teams libraries with their first use, and no PostgreSQL or Redis client', async () => {
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '--eval', SCRIPT],
      { cwd: ROOT, env: { ...process.env, DATA_DIR: dataDir }, timeout: 60_000 },
    );
    expect(JSON.parse(stdout.trim().split('\n').at(-1)!)).toEqual({
      atStart: [],
      afterUse: ['adaptivecards', 'mjml'],
    });
  }, 70_000);
});
