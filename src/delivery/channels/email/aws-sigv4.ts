import { createHmac } from 'node:crypto';
import { sha256Hex } from '../../../security/sha256.js';

/** AWS credentials for signing. */
export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** Only for temporary credentials. */
  readonly sessionToken?: string;
}

/** A request to sign; `headers` must hold every header that will be sent (host is added when absent). */
export interface SigV4Request {
  readonly method: string;
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** Where and when the signature applies. */
export interface SigV4Scope {
  readonly region: string;
  readonly service: string;
  readonly credentials: AwsCredentials;
  /** Signing time, epoch milliseconds. */
  readonly now: number;
}

/** RFC 3986 encoding as SigV4 wants it (encodeURIComponent leaves `!'()*` alone). */
export function awsEncode(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data, 'utf8').digest();

/** `20150830T123600Z` from epoch ms. */
export function amzDate(now: number): string {
  return new Date(now)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

function canonicalQuery(url: URL): string {
  return [...url.searchParams]
    .map(([k, v]) => [awsEncode(k), awsEncode(v)] as const)
    .sort(([ak, av], [bk, bv]) => (ak === bk ? (av < bv ? -1 : 1) : ak < bk ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

function canonicalPath(url: URL): string {
  const path = url.pathname || '/';
  return path
    .split('/')
    .map((segment) => awsEncode(decodeURIComponent(segment)))
    .join('/');
}

/**
 * Signs a request with AWS Signature Version 4 and returns the headers to add (`authorization`,
 * `x-amz-date`, and `x-amz-security-token` for temporary credentials). All given headers are signed.
 */
export function signSigV4(request: SigV4Request, scope: SigV4Scope): Record<string, string> {
  const date = amzDate(scope.now);
  const day = date.slice(0, 8);
  const added: Record<string, string> = { 'x-amz-date': date };
  if (scope.credentials.sessionToken) added['x-amz-security-token'] = scope.credentials.sessionToken;
  const all = new Map<string, string>();
  for (const [name, value] of Object.entries({ ...request.headers, ...added })) {
    all.set(name.toLowerCase(), value.trim().replace(/\s+/g, ' '));
  }
  if (!all.has('host')) all.set('host', request.url.host);
  const names = [...all.keys()].sort();
  const signedHeaders = names.join(';');
  const canonical = [
    request.method.toUpperCase(),
    canonicalPath(request.url),
    canonicalQuery(request.url),
    `${names.map((n) => `${n}:${all.get(n)}`).join('\n')}\n`,
    signedHeaders,
    sha256Hex(request.body),
  ].join('\n');
  const credentialScope = `${day}/${scope.region}/${scope.service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', date, credentialScope, sha256Hex(canonical)].join('\n');
  let key = hmac(`AWS4${scope.credentials.secretAccessKey}`, day);
  for (const part of [scope.region, scope.service, 'aws4_request']) key = hmac(key, part);
  const signature = createHmac('sha256', key).update(stringToSign, 'utf8').digest('hex');
  return {
    ...added,
    authorization: `AWS4-HMAC-SHA256 Credential=${scope.credentials.accessKeyId}/${credentialScope}, SignedHeaders=${signedHeaders}, Signature=${signature}`,
  };
}
