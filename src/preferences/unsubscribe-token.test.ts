import { describe, expect, it } from 'vitest';
import { resolveSetting } from './resolve.js';
import {
  signUnsubscribeToken,
  type UnsubscribePayload,
  unsubscribeSettingRow,
  verifyUnsubscribeToken,
} from './unsubscribe-token.js';

const key = 'k'.repeat(32);
const payload: UnsubscribePayload = {
  userId: 'usr_01',
  type: 'alerts',
  projectId: 'prj_01',
  orgId: 'org_01',
  issuedAt: Date.parse('2026-01-14T12:00:00Z'),
};

/** The token with the character at `index` replaced by another base64url character. */
function flip(token: string, index: number): string {
  const c = token[index] === 'A' ? 'B' : 'A';
  return token.slice(0, index) + c + token.slice(index + 1);
}

describe('unsubscribe tokens', () => {
  it('round-trips and stays URL-safe', () => {
    const token = signUnsubscribeToken(payload, key);
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    expect(verifyUnsubscribeToken(token, key)).toEqual({ ok: true, payload });
    const orgWide = { ...payload, projectId: null };
    expect(verifyUnsubscribeToken(signUnsubscribeToken(orgWide, Buffer.from(key)), key)).toEqual({
      ok: true,
      payload: orgWide,
    });
  });

  it('refuses every tampered character', () => {
    const token = signUnsubscribeToken(payload, key);
    for (let i = 0; i < token.length; i++) {
      if (token[i] === '.') continue;
      expect(verifyUnsubscribeToken(flip(token, i), key)).toEqual({ ok: false, reason: 'bad_signature' });
    }
  });

  it('refuses a payload swapped in from another token', () => {
    const mine = signUnsubscribeToken(payload, key);
    const theirs = signUnsubscribeToken({ ...payload, userId: 'usr_02' }, key);
    const forged = `${theirs.split('.')[0]}.${mine.split('.')[1]}`;
    expect(verifyUnsubscribeToken(forged, key)).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('refuses a token signed with another key', () => {
    const token = signUnsubscribeToken(payload, 'x'.repeat(32));
    expect(verifyUnsubscribeToken(token, key)).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it.each([
    undefined,
    null,
    42,
    '',
    'abc',
    'a.b',
    '.'.repeat(44),
    `${'a'.repeat(2000)}.${'b'.repeat(43)}`,
    'é.é',
  ])('refuses malformed input without throwing: %s', (token) => {
    expect(verifyUnsubscribeToken(token, key)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('refuses everything when the verifying key is too short, without throwing', () => {
    const token = signUnsubscribeToken(payload, key);
    expect(verifyUnsubscribeToken(token, '')).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('expires only when asked to', () => {
    const token = signUnsubscribeToken(payload, key);
    const day = 86_400_000;
    expect(
      verifyUnsubscribeToken(token, key, { now: payload.issuedAt + 30 * day, maxAgeMs: 31 * day }).ok,
    ).toBe(true);
    expect(
      verifyUnsubscribeToken(token, key, { now: payload.issuedAt + 32 * day, maxAgeMs: 31 * day }),
    ).toEqual({
      ok: false,
      reason: 'expired',
    });
    expect(verifyUnsubscribeToken(token, key).ok).toBe(true);
  });

  it('will not sign with a short key or a bad payload', () => {
    expect(() => signUnsubscribeToken(payload, 'short')).toThrow(RangeError);
    expect(() => signUnsubscribeToken({ ...payload, type: 'marketing' as never }, key)).toThrow(
      expect.objectContaining({ details: [expect.objectContaining({ path: 'type' })] }),
    );
  });

  it('turns off email for the category at the project, and nothing else', () => {
    const row = unsubscribeSettingRow(payload);
    const context = { userId: 'usr_01', teamIds: [], orgId: 'org_01', projectId: 'prj_01' };
    expect(resolveSetting([row], { ...context, type: 'alerts', channel: 'email' }).value).toBe('never');
    expect(resolveSetting([row], { ...context, type: 'alerts', channel: 'slack' }).value).toBe('always');
    expect(
      resolveSetting([row], { ...context, projectId: 'prj_02', type: 'alerts', channel: 'email' }).value,
    ).toBe('always');
    expect(unsubscribeSettingRow({ ...payload, projectId: null })).toMatchObject({
      scopeType: 'organization',
      scopeId: 'org_01',
    });
  });
});
