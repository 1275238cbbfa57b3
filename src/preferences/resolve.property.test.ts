import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CHANNEL_KINDS } from '../delivery/channel.js';
import { effectiveSettings, resolveSetting } from './resolve.js';
import { SCOPE_TYPES, SETTING_TYPES, type SettingRow, settingKey, VALUES_BY_TYPE } from './setting-schema.js';

const context = { userId: 'u1', teamIds: ['t1', 't2'], orgId: 'o1', projectId: 'p1' } as const;

// Ids mix ones that apply to u1 with ones that do not, so rows land on every level and off all of them.
const scopeIds = {
  user: ['u1', 'u2'],
  team: ['t1', 't2', 't3'],
  organization: ['o1', 'o2'],
  project: ['p1', 'p2'],
};

const rowArb: fc.Arbitrary<SettingRow> = fc
  .record({
    owner: fc.constantFrom(['user', 'u1'], ['user', 'u2'], ['team', 't1'], ['team', 't2'], ['team', 't3']),
    type: fc.constantFrom(...SETTING_TYPES),
    channel: fc.option(fc.constantFrom(...CHANNEL_KINDS), { nil: null }),
    scopeType: fc.constantFrom(...SCOPE_TYPES),
    pick: fc.nat(),
  })
  .map(({ owner, type, channel, scopeType, pick }) => {
    const ids = scopeIds[scopeType];
    const values = VALUES_BY_TYPE[type];
    return {
      ownerType: owner[0] as 'user' | 'team',
      ownerId: owner[1] as string,
      type,
      channel,
      scopeType,
      scopeId: ids[pick % ids.length]!,
      value: values[pick % values.length]!,
    };
  });

// One row per key, as the store keeps them.
const rowsArb = fc.uniqueArray(rowArb, { maxLength: 40, selector: settingKey });

const queryArb = fc.record({
  type: fc.constantFrom(...SETTING_TYPES),
  channel: fc.constantFrom(...CHANNEL_KINDS),
});

describe('resolution properties', () => {
  it('a never of the person at the project scope always wins', () => {
    fc.assert(
      fc.property(
        rowsArb,
        queryArb,
        fc.boolean(),
        fc.uniqueArray(fc.constantFrom(...CHANNEL_KINDS)),
        (rows, q, typeLevel, rivals) => {
          const never: SettingRow = {
            ownerType: 'user',
            ownerId: 'u1',
            type: q.type,
            channel: typeLevel ? null : q.channel,
            scopeType: 'project',
            scopeId: 'p1',
            value: 'never',
          };
          // Rows of the same person at the same scope that ask for the opposite, which random rows
          // rarely produce.
          const rivalRows = rivals.map((channel): SettingRow => ({ ...never, channel, value: 'always' }));
          // One row per key: the never replaces whatever held its key.
          const all = [...rows, ...rivalRows].filter((r) => settingKey(r) !== settingKey(never));
          const unique = [...new Map(all.map((r) => [settingKey(r), r])).values()];
          const result = resolveSetting([...unique, never], { ...context, ...q });
          expect(result.value).toBe('never');
          expect(result.source).toMatchObject({ scopeType: 'project', ownerType: 'user' });
        },
      ),
    );
  });

  it('a type-level never at the project scope silences every channel of the type', () => {
    fc.assert(
      fc.property(rowsArb, fc.constantFrom(...SETTING_TYPES), (rows, type) => {
        const never: SettingRow = {
          ownerType: 'user',
          ownerId: 'u1',
          type,
          channel: null,
          scopeType: 'project',
          scopeId: 'p1',
          value: 'never',
        };
        const others = rows.filter(
          (r) => !(r.ownerId === 'u1' && r.scopeType === 'project' && r.type === type),
        );
        const cells = effectiveSettings([...others, never], context).filter((c) => c.type === type);
        expect(cells.every((c) => c.value === 'never')).toBe(true);
      }),
    );
  });

  it('always resolves to a value its type allows, in any row order', () => {
    fc.assert(
      fc.property(rowsArb, queryArb, (rows, q) => {
        const result = resolveSetting(rows, { ...context, ...q });
        expect(VALUES_BY_TYPE[q.type]).toContain(result.value);
        expect(resolveSetting([...rows].reverse(), { ...context, ...q })).toEqual(result);
      }),
    );
  });
});
