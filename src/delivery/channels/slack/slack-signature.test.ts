import { describe, expect, it } from 'vitest';
import { slackSignature, verifySlackSignature } from './slack-signature.js';

// The worked example of Slack's "Verifying requests from Slack".
const SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const TIMESTAMP = '1531420618';
const BODY =
  'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
const SIGNATURE = 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503';
const SENT = Number(TIMESTAMP) * 1000;

const check = (overrides: Partial<Parameters<typeof verifySlackSignature>[0]> = {}) =>
  verifySlackSignature({
    secret: SECRET,
    timestamp: TIMESTAMP,
    signature: SIGNATURE,
    rawBody: BODY,
    nowMs: SENT + 1_000,
    ...overrides,
  });

describe('Slack request signatures', () => {
  it("signs Slack's worked example as Slack does", () => {
    expect(slackSignature(SECRET, TIMESTAMP, BODY)).toBe(SIGNATURE);
    expect(check()).toBe('ok');
  });

  it('refuses another body, another secret, a malformed or missing signature', () => {
    expect(check({ rawBody: `${BODY}&text=x` })).toBe('mismatch');
    expect(check({ secret: 'another-secret' })).toBe('mismatch');
    expect(check({ signature: 'v0=abc' })).toBe('mismatch');
    expect(check({ signature: SIGNATURE.replace('v0=', 'v1=') })).toBe('mismatch');
    expect(check({ signature: undefined })).toBe('missing');
    expect(check({ timestamp: undefined })).toBe('missing');
    expect(check({ timestamp: '1531420618.5' })).toBe('missing');
  });

  it('accepts five minutes either way and refuses anything older or further ahead', () => {
    expect(check({ nowMs: SENT + 5 * 60_000 })).toBe('ok');
    expect(check({ nowMs: SENT + 5 * 60_000 + 1_000 })).toBe('stale');
    expect(check({ nowMs: SENT - 5 * 60_000 })).toBe('ok');
    expect(check({ nowMs: SENT - 6 * 60_000 })).toBe('stale');
  });
});
