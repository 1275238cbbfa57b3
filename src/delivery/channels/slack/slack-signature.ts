import { createHmac, timingSafeEqual } from 'node:crypto';

/** How far a request's timestamp may be from now, either way: Slack's five minutes against replays. */
export const SLACK_SIGNATURE_TOLERANCE_MS = 5 * 60_000;

/** The one signature version Slack uses. */
const VERSION = 'v0';

/** Why a request from Slack was not accepted; `ok` when it was. */
export type SlackSignatureCheck = 'ok' | 'missing' | 'stale' | 'mismatch';

/**
 * Slack's `X-Slack-Signature` for a body sent at `timestamp` (epoch seconds, as the header carries it):
 * `v0=` and the hex HMAC-SHA256 of `v0:{timestamp}:{raw body}` keyed by the app's signing secret.
 */
export function slackSignature(secret: string, timestamp: string, rawBody: string): string {
  const digest = createHmac('sha256', secret)
    .update(`${VERSION}:${timestamp}:`)
    .update(rawBody)
    .digest('hex');
  return `${VERSION}=${digest}`;
}

/**
 * Checks a request as Slack signs it: the timestamp within {@link SLACK_SIGNATURE_TOLERANCE_MS} of
 * `nowMs` (a captured request cannot be replayed later), then the signature over the body exactly as
 * received, compared in constant time.
 */
export function verifySlackSignature(input: {
  readonly secret: string;
  readonly timestamp: string | undefined;
  readonly signature: string | undefined;
  readonly rawBody: string;
  readonly nowMs: number;
}): SlackSignatureCheck {
  const { timestamp, signature } = input;
  if (!timestamp || !signature || !/^\d{1,12}$/.test(timestamp)) return 'missing';
  if (Math.abs(input.nowMs - Number(timestamp) * 1000) > SLACK_SIGNATURE_TOLERANCE_MS) return 'stale';
  const expected = Buffer.from(slackSignature(input.secret, timestamp, input.rawBody));
  const given = Buffer.from(signature);
  // timingSafeEqual needs equal lengths; a length says nothing of the secret.
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'mismatch';
  return 'ok';
}
