import { createHmac, timingSafeEqual } from 'node:crypto';

/** What a tracking token stands for: an open of a delivery, or a click on its link number `link`. */
export type TrackingClaim =
  | { readonly kind: 'open'; readonly deliveryId: string }
  | { readonly kind: 'click'; readonly deliveryId: string; readonly link: number };

/**
 * The key tracking links are signed with, derived from the installation's secret key so that a token says
 * nothing about that key and a MAC made for another use (unsubscribe links) never verifies here.
 */
export function trackingKey(secretKey: string): Buffer {
  return createHmac('sha256', secretKey).update('herald/tracking-links/v1').digest();
}

// Delivery ids are `dlv_` plus base32; the bound keeps hostile input from costing work.
const DELIVERY_ID = /^[a-z]{2,8}_[0-9a-z]{10,40}$/;
const MAX_LINKS = 500;
// 128 bits of HMAC-SHA256 in base64url: short enough for a URL, far beyond guessing.
const MAC_LENGTH = 22;

function mac(key: Uint8Array, claim: TrackingClaim): string {
  const subject = claim.kind === 'open' ? `o:${claim.deliveryId}` : `c:${claim.deliveryId}:${claim.link}`;
  return createHmac('sha256', key).update(subject).digest('base64url').slice(0, MAC_LENGTH);
}

/** Makes the token of a claim: `<deliveryId>.<mac>` for opens, `<deliveryId>.<link>.<mac>` for clicks. */
export function signTrackingToken(claim: TrackingClaim, key: Uint8Array): string {
  const signature = mac(key, claim);
  return claim.kind === 'open'
    ? `${claim.deliveryId}.${signature}`
    : `${claim.deliveryId}.${claim.link}.${signature}`;
}

/** The claim of a token of the expected kind, or null when malformed, forged or of the other kind. */
export function verifyTrackingToken(
  token: string,
  kind: TrackingClaim['kind'],
  key: Uint8Array,
): TrackingClaim | null {
  if (token.length > 200) return null;
  const parts = token.split('.');
  let claim: TrackingClaim;
  if (kind === 'open' && parts.length === 2) {
    claim = { kind, deliveryId: parts[0] ?? '' };
  } else if (kind === 'click' && parts.length === 3 && /^(0|[1-9]\d{0,3})$/.test(parts[1] ?? '')) {
    const link = Number(parts[1]);
    if (link >= MAX_LINKS) return null;
    claim = { kind, deliveryId: parts[0] ?? '', link };
  } else {
    return null;
  }
  if (!DELIVERY_ID.test(claim.deliveryId)) return null;
  const given = Buffer.from(parts.at(-1) ?? '', 'utf8');
  const expected = Buffer.from(mac(key, claim), 'utf8');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  return claim;
}

/** Most links one message may carry; later ones are left untracked. */
export const MAX_TRACKED_LINKS = MAX_LINKS;
