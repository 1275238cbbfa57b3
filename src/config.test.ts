import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';
import { ValidationError } from './errors.js';
import { DEFAULT_CONCURRENCY } from './queue/queue.js';

describe('configuration', () => {
  it('runs 128 jobs at once per worker unless HERALD_WORKER_CONCURRENCY says otherwise', () => {
    expect(loadConfig({}, {}).workerConcurrency).toBe(DEFAULT_CONCURRENCY);
    expect(DEFAULT_CONCURRENCY).toBe(128);
    expect(loadConfig({}, { HERALD_WORKER_CONCURRENCY: '200' }).workerConcurrency).toBe(200);
  });

  it.each(['0', '-3', '2.5', 'many', '5000'])('rejects HERALD_WORKER_CONCURRENCY=%s naming it', (value) => {
    let failure: unknown;
    try {
      loadConfig({}, { HERALD_WORKER_CONCURRENCY: value });
    } catch (error) {
      failure = error;
    }
    expect(failure).toBeInstanceOf(ValidationError);
    expect((failure as ValidationError).details).toEqual([
      expect.objectContaining({ path: 'HERALD_WORKER_CONCURRENCY' }),
    ]);
  });

  it('listens on 8080 unless told otherwise, except a worker, which listens only when given a port', () => {
    expect(loadConfig({}, {}).port).toBe(8080);
    expect(loadConfig({ role: 'api' }, {}).port).toBe(8080);
    expect(loadConfig({ role: 'worker' }, {}).port).toBeNull();
    expect(loadConfig({}, { HERALD_ROLE: 'worker', HERALD_PORT: '9464' }).port).toBe(9464);
    expect(loadConfig({ role: 'worker', port: '0' }, {}).port).toBe(0);
  });

  it('keeps events 30 days unless HERALD_RETENTION_DAYS says otherwise', () => {
    expect(loadConfig({}, {}).retentionDays).toBe(30);
    expect(loadConfig({}, { HERALD_RETENTION_DAYS: '7' }).retentionDays).toBe(7);
  });

  it('ends an Alertmanager alert sent without endsAt after 5 minutes unless HERALD_ALERT_RESOLVE_TIMEOUT_MS says otherwise', () => {
    expect(loadConfig({}, {}).alertResolveTimeoutMs).toBe(300_000);
    expect(loadConfig({}, { HERALD_ALERT_RESOLVE_TIMEOUT_MS: '60000' }).alertResolveTimeoutMs).toBe(60_000);
    for (const value of ['0', '999', 'soon', String(31 * 86_400_000)])
      expect(() => loadConfig({}, { HERALD_ALERT_RESOLVE_TIMEOUT_MS: value })).toThrow(
        expect.objectContaining({
          details: [expect.objectContaining({ path: 'HERALD_ALERT_RESOLVE_TIMEOUT_MS' })],
        }),
      );
  });

  it('reads a switch as on or off, and refuses a misspelt one naming it', () => {
    expect(loadConfig({}, {}).allowPrivateTargets).toBe(false);
    for (const on of ['1', 'true', 'YES', ' on ']) {
      expect(loadConfig({}, { HERALD_ALLOW_PRIVATE_TARGETS: on }).allowPrivateTargets).toBe(true);
    }
    for (const off of ['0', 'false', 'No', 'off']) {
      expect(loadConfig({}, { HERALD_ALLOW_PRIVATE_TARGETS: off }).allowPrivateTargets).toBe(false);
    }
    expect(() => loadConfig({}, { HERALD_ALLOW_PRIVATE_TARGETS: 'ture' })).toThrow(ValidationError);
    try {
      loadConfig({}, { HERALD_ALLOW_PRIVATE_TARGETS: 'ture' });
    } catch (error) {
      expect((error as ValidationError).details).toEqual([
        { path: 'HERALD_ALLOW_PRIVATE_TARGETS', message: expect.stringContaining('true') },
      ]);
    }
  });
});
