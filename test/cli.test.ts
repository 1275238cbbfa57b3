import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const BIN = join(import.meta.dirname, '..', 'bin', 'herald.js');
const dirs: string[] = [];
const children: ChildProcess[] = [];

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'herald-cli-'));
  dirs.push(dir);
  return dir;
}

/** A clean environment: no HERALD_* variable of the developer's shell leaks in. */
function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('HERALD_')));
  return { ...clean, ...extra };
}

/** Starts `herald serve` and resolves with its URL and everything it printed before listening. */
function serve(
  args: string[],
  extra: Record<string, string> = {},
): Promise<{ url: string; output: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', ...args], { env: env(extra) });
  children.push(child);
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /"url":"(http:\/\/[^"]+)"/.exec(output);
      if (match?.[1]) resolve({ url: match[1], output, child });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => reject(new Error(`herald exited with ${code}: ${output}`)));
  });
}

afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('herald CLI', () => {
  it('describes every command and option in --help', async () => {
    const { stdout } = await run(process.execPath, [BIN, '--help'], { env: env() });
    for (const command of ['serve', 'migrate', 'admin-token']) expect(stdout).toContain(command);
    const serveHelp = (await run(process.execPath, [BIN, 'serve', '--help'], { env: env() })).stdout;
    for (const option of ['--port', '--role', '--host', '--data-dir', '--database-url', '--redis-url']) {
      expect(serveHelp).toContain(option);
    }
    // Where a worker's probes and scrapes go is said where the port is.
    expect(serveHelp.replace(/\s+/g, ' ')).toContain(
      'a worker listens only when given a port, and serves only /healthz, /readyz and /metrics on it',
    );
  });

  it('migrate creates the database and is idempotent', async () => {
    const dataDir = tempDir();
    const first = await run(process.execPath, [BIN, 'migrate', '--data-dir', dataDir], { env: env() });
    expect(first.stdout).toContain('applied: 001-tenancy');
    const second = await run(process.execPath, [BIN, 'migrate', '--data-dir', dataDir], { env: env() });
    expect(second.stdout).toContain('up to date');
  });

  it('rejects an invalid configuration naming the variable', async () => {
    const failure = await run(process.execPath, [BIN, 'migrate'], {
      env: env({ HERALD_DATABASE_URL: 'mysql://nope' }),
    }).catch((error: { stderr: string; code: number }) => error);
    expect('code' in failure && failure.code).toBe(1);
    expect((failure as { stderr: string }).stderr).toContain('HERALD_DATABASE_URL');
  });

  it('serve prints a generated admin token once; admin-token rotates it; SIGTERM stops gracefully', async () => {
    const dataDir = tempDir();
    const first = await serve(['--data-dir', dataDir]);
    const token = /\n {2}(hrld_\S+)\n/.exec(first.output)?.[1];
    expect(token).toBeDefined();
    const ok = await fetch(`${first.url}/api/v1/orgs`, { headers: { authorization: `Bearer ${token}` } });
    expect(ok.status).toBe(200);
    const exited = new Promise<number | null>((resolve) => first.child.on('exit', resolve));
    first.child.kill('SIGTERM');
    expect(await exited).toBe(0);

    const second = await serve(['--data-dir', dataDir]);
    expect(second.output).not.toContain('hrld_');
    const rotated = (
      await run(process.execPath, [BIN, 'admin-token', '--data-dir', dataDir], { env: env() })
    ).stdout.trim();
    expect(rotated).toMatch(/^hrld_/);
    const old = await fetch(`${second.url}/api/v1/orgs`, { headers: { authorization: `Bearer ${token}` } });
    expect(old.status).toBe(401);
    const fresh = await fetch(`${second.url}/api/v1/orgs`, {
      headers: { authorization: `Bearer ${rotated}` },
    });
    expect(fresh.status).toBe(200);
    second.child.kill('SIGTERM');
  });
});
