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

  it('keeps events 30 days unless HERALD_RETENTION_DAYS says otherwise', () => {
    expect(loadConfig({}, {}).retentionDays).toBe(30);
    expect(loadConfig({}, { HERALD_RETENTION_DAYS: '7' }).retentionDays).toBe(7);
  });
});
