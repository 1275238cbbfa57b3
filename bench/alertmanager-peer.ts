/**
 * Prometheus Alertmanager as the peer of the benchmarks: found on the PATH (Debian's
 * `prometheus-alertmanager`, or `alertmanager`), installed with apt-get when running as root and asked
 * to, started on loopback with clustering off and one webhook receiver pointing at the sink.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createWriteStream, existsSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { sleep } from './harness.js';

const BINARIES = ['/usr/bin/prometheus-alertmanager', '/usr/local/bin/alertmanager', '/usr/bin/alertmanager'];

/** The Alertmanager binary, installing Debian's package first when `install` is set and we are root. */
export function findAlertmanager(install: boolean): { binary: string | null; note: string } {
  const found = BINARIES.find((path) => existsSync(path));
  if (found) return { binary: found, note: version(found) };
  if (!install || process.getuid?.() !== 0)
    return {
      binary: null,
      note: 'Alertmanager not found: install it with `apt-get install -y prometheus-alertmanager` (or run the bench as root with --install-alertmanager)',
    };
  try {
    execFileSync('apt-get', ['install', '-y', 'prometheus-alertmanager'], {
      stdio: 'ignore',
      timeout: 300_000,
    });
  } catch {
    return { binary: null, note: 'apt-get install -y prometheus-alertmanager failed' };
  }
  const installed = BINARIES.find((path) => existsSync(path)) ?? null;
  return { binary: installed, note: installed ? version(installed) : 'installed, but no binary found' };
}

function version(binary: string): string {
  try {
    const out = execFileSync(binary, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return /version (\S+)/.exec(out)?.[1] ?? 'unknown version';
  } catch {
    return 'unknown version';
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A running Alertmanager. */
export interface AlertmanagerPeer {
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

/** How the peer's one route sends: resolutions too (off by default), and how soon a group is sent again. */
export interface AlertmanagerRouteOptions {
  readonly sendResolved?: boolean;
  /** Alertmanager's `group_interval` (default `1h`: nothing sent twice within a run). */
  readonly groupInterval?: string;
  /** Sent as `Authorization: Bearer …` (the receiver's `http_config.authorization`). */
  readonly bearerToken?: string;
}

/**
 * Starts Alertmanager in `dir`: every alert its own group (`group_by: ['...']`), sent at once
 * (`group_wait: 0s`), never repeated within the run unless `route` says otherwise, to `webhookUrl`.
 */
export async function startAlertmanager(
  binary: string,
  dir: string,
  webhookUrl: string,
  route: AlertmanagerRouteOptions = {},
): Promise<AlertmanagerPeer> {
  const config = join(dir, 'alertmanager.yml');
  writeFileSync(
    config,
    [
      'route:',
      '  receiver: sink',
      "  group_by: ['...']",
      '  group_wait: 0s',
      `  group_interval: ${route.groupInterval ?? '1h'}`,
      '  repeat_interval: 1000h',
      'receivers:',
      '  - name: sink',
      '    webhook_configs:',
      `      - url: ${webhookUrl}`,
      `        send_resolved: ${route.sendResolved === true}`,
      ...(route.bearerToken
        ? [
            '        http_config:',
            '          authorization:',
            `            credentials: ${route.bearerToken}`,
          ]
        : []),
      '',
    ].join('\n'),
  );
  const port = await freePort();
  const child: ChildProcess = spawn(
    binary,
    [
      `--config.file=${config}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  child.stderr?.pipe(createWriteStream(join(dir, 'alertmanager.log')));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`Alertmanager exited with ${child.exitCode}; see ${dir}`);
    const ready = await fetch(`${url}/-/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    await sleep(100);
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    url,
    pid: child.pid ?? 0,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
