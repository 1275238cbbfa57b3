import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { validationError, zodProblems } from '../validation.js';
import { SETTING_TYPES, type SettingRow, type SettingType } from './setting-schema.js';

/** What a one-click unsubscribe link stands for: this person leaves this category here. */
export interface UnsubscribePayload {
  readonly userId: string;
  readonly type: SettingType;
  /** The project of the email, or null for an organization-wide unsubscribe. */
  readonly projectId: string | null;
  readonly orgId: string;
  /** When the token was made, epoch ms. */
  readonly issuedAt: number;
}

/** Why a token was refused; a tampered token and one signed with another key look the same. */
export const UNSUBSCRIBE_FAILURES = ['malformed', 'bad_signature', 'expired'] as const;

/** One of {@link UNSUBSCRIBE_FAILURES}. */
export type UnsubscribeFailure = (typeof UNSUBSCRIBE_FAILURES)[number];

/** The answer to a token check: the payload, or why not. */
export type UnsubscribeCheck =
  | { readonly ok: true; readonly payload: UnsubscribePayload }
  | { readonly ok: false; readonly reason: UnsubscribeFailure };

/** Optional expiry; links in old emails keep working without it, which is what RFC 8058 users expect. */
export interface UnsubscribeExpiry {
  readonly now: number;
  readonly maxAgeMs: number;
}

/** Below this a key can be guessed offline from one token. */
export const MIN_SECRET_BYTES = 16;

// Binds signatures to this use, so a MAC made with the same secret for anything else never verifies here.
const CONTEXT = 'herald.unsubscribe.v1.';
// An HMAC-SHA256 in base64url is 43 characters; the bound keeps hostile input from costing work.
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{1,1024}\.[A-Za-z0-9_-]{43}$/;

const idSchema = z.string().min(1).max(128);

const payloadSchema = z.strictObject({
  userId: idSchema,
  type: z.enum(SETTING_TYPES),
  projectId: idSchema.nullable(),
  orgId: idSchema,
  issuedAt: z.number().int().nonnegative(),
});

// Short keys keep the link short; `v` leaves room for another layout.
const wireSchema = z.strictObject({
  v: z.literal(1),
  u: idSchema,
  t: z.enum(SETTING_TYPES),
  p: idSchema.nullable(),
  o: idSchema,
  i: z.number().int().nonnegative(),
});

/** Makes a token for `payload`, signed with `secret` (HMAC-SHA256); throws on a short key or bad payload. */
export function signUnsubscribeToken(payload: UnsubscribePayload, secret: string | Uint8Array): string {
  if (keyBytes(secret) < MIN_SECRET_BYTES) {
    throw new RangeError(`The unsubscribe secret must be at least ${MIN_SECRET_BYTES} bytes`);
  }
  const result = payloadSchema.safeParse(payload);
  if (!result.success) throw validationError(zodProblems(result.error));
  const { userId, type, projectId, orgId, issuedAt } = result.data;
  const wire = { v: 1, u: userId, t: type, p: projectId, o: orgId, i: issuedAt };
  const body = Buffer.from(JSON.stringify(wire), 'utf8').toString('base64url');
  return `${body}.${mac(body, secret)}`;
}

/** Checks a token from a link or a List-Unsubscribe-Post; never throws, whatever it is given. */
export function verifyUnsubscribeToken(
  token: unknown,
  secret: string | Uint8Array,
  expiry?: UnsubscribeExpiry,
): UnsubscribeCheck {
  if (typeof token !== 'string' || !TOKEN_SHAPE.test(token)) return refuse('malformed');
  if (keyBytes(secret) < MIN_SECRET_BYTES) return refuse('bad_signature');
  const [body = '', signature = ''] = token.split('.');
  // Compare the canonical encodings: base64url decoding is lenient, and two strings decoding alike
  // must not both pass.
  const expected = Buffer.from(mac(body, secret), 'utf8');
  const given = Buffer.from(signature, 'utf8');
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return refuse('bad_signature');
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return refuse('malformed');
  }
  const wire = wireSchema.safeParse(json);
  if (!wire.success) return refuse('malformed');
  const { u, t, p, o, i } = wire.data;
  if (expiry !== undefined && expiry.now - i > expiry.maxAgeMs) return refuse('expired');
  return { ok: true, payload: { userId: u, type: t, projectId: p, orgId: o, issuedAt: i } };
}

/**
 * The row a verified token writes. Only email: the link sits in an email and a mail client's
 * "unsubscribe" means "stop these emails", not the person's Slack or in-app messages.
 */
export function unsubscribeSettingRow(payload: UnsubscribePayload): SettingRow {
  return {
    ownerType: 'user',
    ownerId: payload.userId,
    type: payload.type,
    channel: 'email',
    scopeType: payload.projectId === null ? 'organization' : 'project',
    scopeId: payload.projectId ?? payload.orgId,
    value: 'never',
  };
}

function mac(body: string, secret: string | Uint8Array): string {
  return createHmac('sha256', secret).update(CONTEXT).update(body).digest('base64url');
}

function keyBytes(secret: string | Uint8Array): number {
  return typeof secret === 'string' ? Buffer.byteLength(secret, 'utf8') : secret.byteLength;
}

function refuse(reason: UnsubscribeFailure): UnsubscribeCheck {
  return { ok: false, reason };
}
