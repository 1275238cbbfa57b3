import { describe, expect, it } from 'vitest';
import { ValidationError } from '../errors.js';
import { parseSettingRow, parseSettingsUpdate, settingsUpdateSchema } from './setting-schema.js';

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).details.map((d) => d.path);
  }
  throw new Error('expected a ValidationError');
}

const entry = { type: 'workflow', channel: 'email', scopeType: 'project', scopeId: 'p1', value: 'always' };

describe('parseSettingsUpdate', () => {
  it('splits upserts and deletes, owned by the user of the path', () => {
    const changes = parseSettingsUpdate(
      {
        settings: [
          entry,
          { ...entry, channel: null, scopeType: 'user', scopeId: 'u1', value: 'subscribe_only' },
          { ...entry, type: 'deploy', scopeType: 'organization', scopeId: 'o1', value: null },
        ],
      },
      'u1',
    );
    expect(changes.upserts).toEqual([
      { ownerType: 'user', ownerId: 'u1', ...entry },
      {
        ownerType: 'user',
        ownerId: 'u1',
        ...entry,
        channel: null,
        scopeType: 'user',
        scopeId: 'u1',
        value: 'subscribe_only',
      },
    ]);
    expect(changes.deletes).toEqual([
      {
        ownerType: 'user',
        ownerId: 'u1',
        type: 'deploy',
        channel: 'email',
        scopeType: 'organization',
        scopeId: 'o1',
      },
    ]);
  });

  it('accepts each narrowing value only for its own type', () => {
    expect(() =>
      parseSettingsUpdate({ settings: [{ ...entry, value: 'subscribe_only' }] }, 'u1'),
    ).not.toThrow();
    expect(() =>
      parseSettingsUpdate({ settings: [{ ...entry, type: 'deploy', value: 'committed_only' }] }, 'u1'),
    ).not.toThrow();
    expect(
      problemsOf(() =>
        parseSettingsUpdate({ settings: [{ ...entry, type: 'alerts', value: 'subscribe_only' }] }, 'u1'),
      ),
    ).toEqual(['settings.0.value']);
    expect(
      problemsOf(() =>
        parseSettingsUpdate({ settings: [{ ...entry, type: 'alerts', value: 'committed_only' }] }, 'u1'),
      ),
    ).toEqual(['settings.0.value']);
    expect(
      problemsOf(() => parseSettingsUpdate({ settings: [{ ...entry, value: 'committed_only' }] }, 'u1')),
    ).toEqual(['settings.0.value']);
  });

  it('names every bad field with its path, in every entry', () => {
    const paths = problemsOf(() =>
      parseSettingsUpdate(
        {
          settings: [
            entry,
            { ...entry, type: 'marketing' },
            { ...entry, channel: 'fax', scopeId: '' },
            // Both fields are named although the entry has a bad scope type too.
            { ...entry, scopeType: 'galaxy', value: 'committed_only' },
            { type: 'alerts' },
          ],
        },
        'u1',
      ),
    );
    expect(paths).toEqual(
      expect.arrayContaining([
        'settings.1.type',
        'settings.2.channel',
        'settings.2.scopeId',
        'settings.3.scopeType',
        'settings.3.value',
        'settings.4.channel',
        'settings.4.scopeType',
        'settings.4.scopeId',
        'settings.4.value',
      ]),
    );
    expect(paths).not.toContain('settings.0.type');
  });

  it('refuses a user scope naming someone else and a key given twice', () => {
    const paths = problemsOf(() =>
      parseSettingsUpdate(
        { settings: [{ ...entry, scopeType: 'user', scopeId: 'u2' }, entry, { ...entry, value: 'never' }] },
        'u1',
      ),
    );
    expect(paths).toEqual(['settings.0.scopeId', 'settings.2']);
  });

  it('refuses an empty list, a missing list and a body that is not an object', () => {
    expect(problemsOf(() => parseSettingsUpdate({ settings: [] }, 'u1'))).toEqual(['settings']);
    expect(problemsOf(() => parseSettingsUpdate({}, 'u1'))).toEqual(['settings']);
    expect(problemsOf(() => parseSettingsUpdate([entry], 'u1'))).toEqual(['']);
  });

  it('requires channel to be given, null meaning the type as a whole', () => {
    const { channel: _, ...noChannel } = entry;
    expect(problemsOf(() => parseSettingsUpdate({ settings: [noChannel] }, 'u1'))).toEqual([
      'settings.0.channel',
    ]);
    expect(settingsUpdateSchema.safeParse({ settings: [{ ...entry, channel: null }] }).success).toBe(true);
  });
});

describe('parseSettingRow', () => {
  it('accepts a team-owned row and names bad fields under a prefix', () => {
    const row = { ownerType: 'team', ownerId: 't1', ...entry };
    expect(parseSettingRow(row)).toEqual(row);
    expect(
      problemsOf(() =>
        parseSettingRow({ ...row, ownerType: 'robot', type: 'alerts', value: 'subscribe_only' }, 'rows.3'),
      ),
    ).toEqual(['rows.3.ownerType', 'rows.3.value']);
  });
});
