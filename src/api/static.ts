import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { NotFoundError } from '../errors.js';
import type { ApiApp } from './server.js';

/** Where `npm run build:web` writes the dashboard. */
export const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../web/dist', import.meta.url));

/** Options of {@link staticWeb}. */
export interface StaticWebOptions {
  /** Folder of the built dashboard. Default `web/dist` of this checkout. */
  readonly root?: string;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

// Paths other routes own: a miss there is an API 404 in JSON, never the app's page.
const SERVER_PATHS = /^\/(api|docs|healthz|readyz|metrics|unsubscribe|auth)(\/|$)/;

// The app talks only to its own origin; nothing may frame it.
const APP_HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; worker-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

const MISSING_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Herald</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; padding: 0 1rem; line-height: 1.5">
<h1>Herald is running</h1>
<p>The web dashboard has not been built in this checkout, so there is nothing to show here yet.</p>
<p>Build it with <code>npm run build:web</code> (it runs on <code>npm ci</code> too) and reload this page.</p>
<p>The API works meanwhile: see <a href="/docs">/docs</a>.</p>
</body></html>`;

// Text worth compressing; images and fonts are compressed already.
const COMPRESSIBLE = new Set([
  '.html',
  '.js',
  '.mjs',
  '.css',
  '.json',
  '.svg',
  '.webmanifest',
  '.map',
  '.txt',
]);

interface FileInfo {
  readonly size: number;
  readonly mtimeMs: number;
}

async function fileAt(path: string): Promise<FileInfo | null> {
  try {
    const info = await stat(path);
    return info.isFile() ? { size: info.size, mtimeMs: info.mtimeMs } : null;
  } catch {
    return null;
  }
}

/** The file a URL path names inside `root`, or null when it would leave the folder or cannot be read. */
export function resolveInside(root: string, urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  const target = resolve(root, `.${decoded.startsWith('/') ? decoded : `/${decoded}`}`);
  return target === root || target.startsWith(root + sep) ? target : null;
}

/**
 * Serves the built dashboard at `/`: its files with their content types (hashed assets cached for a
 * year), `index.html` for every other non-API path so the app's own routes load, and a page saying how
 * to build it when the build is missing. No new dependency: the files are few and static.
 */
export function staticWeb(app: ApiApp, options: StaticWebOptions = {}): void {
  const root = resolve(options.root ?? DEFAULT_WEB_ROOT);
  const index = resolve(root, 'index.html');

  // The build is a handful of files: each is gzipped once per version and kept.
  const gzipped = new Map<string, { mtimeMs: number; body: Buffer }>();
  const gzipOf = async (path: string, info: FileInfo) => {
    const known = gzipped.get(path);
    if (known && known.mtimeMs === info.mtimeMs) return known.body;
    const body = gzipSync(await readFile(path));
    gzipped.set(path, { mtimeMs: info.mtimeMs, body });
    return body;
  };

  const send = async (
    request: FastifyRequest,
    reply: FastifyReply,
    path: string,
    info: FileInfo,
    cache: string,
  ) => {
    reply.headers({
      ...APP_HEADERS,
      'content-type': contentType(path),
      'cache-control': cache,
      vary: 'accept-encoding',
    });
    const accepts = /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''));
    if (accepts && COMPRESSIBLE.has(extname(path).toLowerCase()) && info.size > 1024) {
      const body = await gzipOf(path, info);
      return reply.headers({ 'content-encoding': 'gzip', 'content-length': body.length }).send(body);
    }
    return reply.header('content-length', info.size).send(createReadStream(path));
  };

  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    const urlPath = request.url.split('?')[0] ?? '/';
    if (SERVER_PATHS.test(urlPath)) throw new NotFoundError('Route');
    const file = urlPath === '/' ? null : resolveInside(root, urlPath);
    if (file) {
      const info = await fileAt(file);
      if (info !== null) {
        const hashed = urlPath.startsWith('/assets/');
        return send(request, reply, file, info, hashed ? 'public, max-age=31536000, immutable' : 'no-cache');
      }
    }
    // A missing asset or file of a kind the build holds is a 404; any other path is one of the app's pages,
    // dots and all (a release's page ends in its version, `…/releases/api@2.14.0`).
    const ext = extname(urlPath).toLowerCase();
    if (urlPath.startsWith('/assets/') || (Object.hasOwn(CONTENT_TYPES, ext) && ext !== '.html')) {
      throw new NotFoundError('File');
    }
    const info = await fileAt(index);
    if (info === null) {
      return reply
        .code(200)
        .headers({ 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' })
        .send(MISSING_PAGE);
    }
    return send(request, reply, index, info, 'no-cache');
  };

  app.get('/', { schema: { hide: true } }, handler);
  app.get('/*', { schema: { hide: true } }, handler);
}

function contentType(path: string): string {
  return CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
}
