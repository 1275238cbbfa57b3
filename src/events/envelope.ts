import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import { HeraldError } from '../errors.js';

/** One item of a Sentry envelope: its header (with `type`) and its raw payload. */
export interface EnvelopeItem {
  readonly type: string;
  readonly header: Readonly<Record<string, unknown>>;
  readonly payload: Buffer;
}

/** A parsed Sentry envelope. */
export interface Envelope {
  readonly header: Readonly<Record<string, unknown>>;
  readonly items: readonly EnvelopeItem[];
}

const NEWLINE = 0x0a;

/**
 * Parses Sentry's envelope format: a JSON header line, then items, each a JSON header line and a
 * payload that is either `length` bytes long (and may contain newlines) or runs to the next newline.
 * The final newline is optional; blank lines between items are skipped.
 */
export function parseEnvelope(body: Buffer): Envelope {
  let position = 0;
  const line = (): Buffer => {
    const end = body.indexOf(NEWLINE, position);
    const stop = end === -1 ? body.length : end;
    const slice = body.subarray(position, stop);
    position = end === -1 ? body.length : end + 1;
    return slice;
  };
  const header = jsonObject(line(), 'envelope header');
  const items: EnvelopeItem[] = [];
  while (position < body.length) {
    const headerLine = line();
    if (headerLine.toString().trim() === '') continue;
    const itemHeader = jsonObject(headerLine, `item ${items.length} header`);
    const type = typeof itemHeader['type'] === 'string' ? itemHeader['type'] : '';
    if (!type) throw envelopeError(`item ${items.length} has no type`);
    const length = itemHeader['length'];
    let payload: Buffer;
    if (typeof length === 'number' && Number.isInteger(length) && length >= 0) {
      if (position + length > body.length)
        throw envelopeError(`item ${items.length} is shorter than its length`);
      payload = body.subarray(position, position + length);
      position += length;
      if (body[position] === NEWLINE) position++;
    } else {
      payload = line();
    }
    items.push({ type, header: itemHeader, payload });
  }
  return { header, items };
}

/** Parses a JSON object payload (an event item, the store endpoint's body). */
export function jsonObject(bytes: Buffer, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw envelopeError(`${what} is not valid JSON`, error);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw envelopeError(`${what} must be a JSON object`);
  return value as Record<string, unknown>;
}

/**
 * Undoes `Content-Encoding` (gzip, deflate, br). The result is held to `limit` bytes like the body
 * itself, so a small compressed body cannot expand into a huge one.
 */
export function decodeBody(body: Buffer, encoding: string | undefined, limit: number): Buffer {
  const name = (encoding ?? 'identity').trim().toLowerCase();
  if (name === '' || name === 'identity') return body;
  const options = { maxOutputLength: limit };
  try {
    if (name === 'gzip' || name === 'x-gzip') return gunzipSync(body, options);
    if (name === 'deflate') return inflateSync(body, options);
    if (name === 'br') return brotliDecompressSync(body, options);
  } catch (error) {
    if (error instanceof RangeError || (error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE')
      throw new HeraldError('payload_too_large', 413, 'The decompressed body is too large', { cause: error });
    throw envelopeError(`The body is not valid ${name} data`, error);
  }
  throw new HeraldError('unsupported_media_type', 415, `Content-Encoding ${name} is not supported`);
}

/**
 * The DSN key of a Sentry SDK request: `sentry_key` from `X-Sentry-Auth` (or `Authorization`) in the
 * form `Sentry sentry_key=…, sentry_version=7`, else from the query string.
 */
export function sentryKeyOf(headers: Readonly<Record<string, unknown>>, query: unknown): string | null {
  for (const name of ['x-sentry-auth', 'authorization']) {
    const value = headers[name];
    if (typeof value !== 'string' || !/^\s*sentry\s/i.test(value)) continue;
    for (const part of value.replace(/^\s*sentry\s+/i, '').split(',')) {
      const [key, ...rest] = part.split('=');
      if (key?.trim() === 'sentry_key') return rest.join('=').trim() || null;
    }
  }
  const fromQuery = (query as Record<string, unknown> | undefined)?.['sentry_key'];
  return typeof fromQuery === 'string' && fromQuery !== '' ? fromQuery : null;
}

/** The public key of a DSN (`http://<key>@host/<number>`), as browser SDKs put it in envelope headers. */
export function dsnKey(dsn: unknown): string | null {
  if (typeof dsn !== 'string') return null;
  try {
    return new URL(dsn).username || null;
  } catch {
    return null;
  }
}

function envelopeError(message: string, cause?: unknown): HeraldError {
  return new HeraldError('invalid_input', 400, message, { cause });
}
