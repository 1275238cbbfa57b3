import { promises as dns, lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { isIP } from 'node:net';
import { PermanentDeliveryError } from './channel.js';

/** Why an address is not public; `undefined` from {@link classifyAddress} means public. */
export type AddressClass =
  | 'unspecified'
  | 'loopback'
  | 'private'
  | 'link_local'
  | 'unique_local'
  | 'cgnat'
  | 'multicast'
  | 'reserved'
  | 'invalid';

/** Error code used on the socket error when the connect-time guard refuses an address. */
export const PRIVATE_TARGET_CODE = 'EHERALD_PRIVATE_TARGET';

/** Options of the outbound address guard. */
export interface AddressGuardOptions {
  /** Let requests reach private, loopback and other non-public addresses (tests, trusted setups). Default false. */
  readonly allowPrivateTargets?: boolean;
}

function classifyV4(b: readonly number[]): AddressClass | undefined {
  const [a = 0, c = 0] = b;
  if (a === 0) return 'unspecified';
  if (a === 127) return 'loopback';
  if (a === 10 || (a === 172 && c >= 16 && c <= 31) || (a === 192 && c === 168)) return 'private';
  if (a === 169 && c === 254) return 'link_local';
  if (a === 100 && c >= 64 && c <= 127) return 'cgnat';
  if (a >= 224 && a <= 239) return 'multicast';
  // 240/4 (incl. broadcast), 192.0.0/24 protocol assignments, 198.18/15 benchmarking.
  if (a >= 240 || (a === 192 && c === 0 && b[2] === 0) || (a === 198 && (c === 18 || c === 19))) {
    return 'reserved';
  }
  return undefined;
}

function parseV4(text: string): number[] | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const bytes = parts.map((p) => (/^\d{1,3}$/.test(p) ? Number(p) : Number.NaN));
  return bytes.every((n) => n >= 0 && n <= 255) ? bytes : undefined;
}

/** Parses an IPv6 text (with `::`, an embedded dotted quad or a zone) into 16 bytes. */
export function parseIPv6(text: string): number[] | undefined {
  const input = text.replace(/^\[|\]$/g, '').split('%')[0] ?? '';
  let tail: number[] = [];
  let head = input;
  const lastColon = input.lastIndexOf(':');
  if (input.includes('.', lastColon)) {
    const v4 = parseV4(input.slice(lastColon + 1));
    if (!v4) return undefined;
    tail = v4;
    const prefix = input.slice(0, lastColon + 1);
    head = prefix.endsWith('::') ? prefix : prefix.slice(0, -1);
  }
  const halves = head.split('::');
  if (halves.length > 2) return undefined;
  const words = (part: string | undefined): number[] | undefined => {
    if (!part) return [];
    const out: number[] = [];
    for (const w of part.split(':')) {
      if (!/^[0-9a-f]{1,4}$/i.test(w)) return undefined;
      const n = Number.parseInt(w, 16);
      out.push(n >> 8, n & 0xff);
    }
    return out;
  };
  const left = words(halves[0]);
  const right = words(halves[1]);
  if (!left || !right) return undefined;
  const known = left.length + right.length + tail.length;
  if (halves.length === 1) return known === 16 ? [...left, ...tail] : undefined;
  if (known > 14) return undefined;
  return [...left, ...new Array<number>(16 - known).fill(0), ...right, ...tail];
}

function classifyV6(b: readonly number[]): AddressClass | undefined {
  const zeroUntil = (n: number) => b.slice(0, n).every((x) => x === 0);
  // Addresses that carry an IPv4 address are judged by it: mapped ::ffff:0:0/96, compatible ::/96,
  // NAT64 64:ff9b::/96 and 6to4 2002::/16 would otherwise tunnel to private IPv4 space.
  if (zeroUntil(10) && b[10] === 0xff && b[11] === 0xff) return classifyV4(b.slice(12));
  if (zeroUntil(12)) {
    if (b[15] === 0) return b.slice(12).every((x) => x === 0) ? 'unspecified' : 'reserved';
    if (b[12] === 0 && b[13] === 0 && b[14] === 0 && b[15] === 1) return 'loopback';
    return classifyV4(b.slice(12));
  }
  if (b[0] === 0x00 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b) return classifyV4(b.slice(12));
  if (b[0] === 0x20 && b[1] === 0x02) return classifyV4(b.slice(2, 6));
  const first = b[0] ?? 0;
  if (first === 0xff) return 'multicast';
  if ((first & 0xfe) === 0xfc) return 'unique_local';
  if (first === 0xfe && ((b[1] ?? 0) & 0xc0) === 0x80) return 'link_local';
  // fec0::/10 site-local is deprecated but still routes privately on some networks.
  if (first === 0xfe && ((b[1] ?? 0) & 0xc0) === 0xc0) return 'private';
  if (first === 0x20 && b[1] === 0x01 && b[2] === 0x0d && b[3] === 0xb8) return 'reserved';
  return undefined;
}

/** Classifies an IP address; `undefined` means public. Non-IP input is `invalid`. */
export function classifyAddress(address: string): AddressClass | undefined {
  const plain = address.replace(/^\[|\]$/g, '');
  const family = isIP(plain.split('%')[0] ?? '');
  if (family === 4) {
    const v4 = parseV4(plain);
    return v4 ? classifyV4(v4) : 'invalid';
  }
  if (family === 6) {
    const v6 = parseIPv6(plain);
    return v6 ? classifyV6(v6) : 'invalid';
  }
  return 'invalid';
}

/** True when `address` may be reached under the given policy. */
export function isAllowedAddress(address: string, options: AddressGuardOptions = {}): boolean {
  return options.allowPrivateTargets === true || classifyAddress(address) === undefined;
}

function refusal(host: string, address: string): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error(
    `Refused to connect to ${host}: ${address} is a ${classifyAddress(address) ?? 'non-public'} address`,
  );
  err.code = PRIVATE_TARGET_CODE;
  return err;
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * A `lookup` for http(s) Agents that refuses non-public addresses after resolution, so the address
 * that is checked is the one that is connected to (a rebinding DNS answer cannot slip past).
 */
export function guardedLookup(options: AddressGuardOptions = {}) {
  return (hostname: string, lookupOptions: LookupOptions, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...lookupOptions, all: true }, (err, addresses) => {
      if (err) return callback(err, []);
      const list = addresses as LookupAddress[];
      const bad = list.find((a) => !isAllowedAddress(a.address, options));
      if (bad) return callback(refusal(hostname, bad.address), []);
      if (lookupOptions.all) return callback(null, list);
      const first = list[0];
      if (!first)
        return callback(Object.assign(new Error(`No address for ${hostname}`), { code: 'ENOTFOUND' }), []);
      callback(null, first.address, first.family);
    });
  };
}

function privateTargetError(url: string, detail: string, cause?: unknown): PermanentDeliveryError {
  return new PermanentDeliveryError(`Target ${url} is not a public address (${detail})`, {
    code: 'private_target',
    cause,
  });
}

/** The URL's origin only: paths and queries of outbound URLs often carry tokens and must not be shown. */
export function safeOrigin(url: string | URL): string {
  try {
    return new URL(url).origin;
  } catch {
    return '(invalid url)';
  }
}

/**
 * Checks, when an integration is saved, that `url` is http(s) and resolves to public addresses only.
 * Throws {@link PermanentDeliveryError} `private_target` (or `invalid_url`) otherwise.
 */
export async function assertPublicUrl(url: string | URL, options: AddressGuardOptions = {}): Promise<void> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (cause) {
    throw new PermanentDeliveryError('Target URL is not a valid URL', { code: 'invalid_url', cause });
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new PermanentDeliveryError(`Target URL must be http(s), not ${parsed.protocol}`, {
      code: 'invalid_url',
    });
  }
  if (options.allowPrivateTargets) return;
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) {
    if (!isAllowedAddress(host)) throw privateTargetError(safeOrigin(parsed), host);
    return;
  }
  let addresses: LookupAddress[];
  try {
    addresses = await dns.lookup(host, { all: true });
  } catch (cause) {
    throw new PermanentDeliveryError(`Target host ${host} does not resolve`, { code: 'unresolvable', cause });
  }
  const bad = addresses.find((a) => !isAllowedAddress(a.address));
  if (bad) throw privateTargetError(safeOrigin(parsed), bad.address);
}

/** Synchronous check of a URL whose host is an IP literal (the agent's lookup is skipped for those). */
export function assertLiteralHostAllowed(url: URL, options: AddressGuardOptions = {}): void {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) && !isAllowedAddress(host, options)) throw privateTargetError(safeOrigin(url), host);
}
