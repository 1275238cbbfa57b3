/** Text helpers every channel renderer shares: truncation, list cuts, link checks. */

/** The mark a cut string ends with. */
export const ELLIPSIS = '…';

/** `text` cut to `max` characters (code points never split), ending in "…" when cut. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const chars = Array.from(text);
  if (chars.length <= max) return text;
  let out = chars.slice(0, Math.max(0, max - 1)).join('');
  // A surrogate pair may still push past `max` in UTF-16 units; trim until it fits.
  while (out.length > max - 1) out = Array.from(out).slice(0, -1).join('');
  return out + ELLIPSIS;
}

/** `text` cut to at most `maxBytes` of UTF-8, ending in "…" when cut. */
export function truncateBytes(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  const chars = Array.from(text);
  let bytes = Buffer.byteLength(ELLIPSIS);
  let out = '';
  for (const c of chars) {
    const size = Buffer.byteLength(c);
    if (bytes + size > maxBytes) break;
    bytes += size;
    out += c;
  }
  return out + ELLIPSIS;
}

/** Collapses line breaks and runs of spaces: a title must not fake extra lines of a message. */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** The first `max` items, and how many were left out. */
export function clip<T>(items: readonly T[], max: number): { shown: T[]; hidden: number } {
  return { shown: items.slice(0, Math.max(0, max)), hidden: Math.max(0, items.length - max) };
}

/**
 * `url` when it is an absolute http(s) URL, else undefined: a `javascript:` or relative link from
 * stored data never becomes a clickable target.
 */
export function safeUrl(url: string | null | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.href : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The longest cut of `text` whose escaped form fits in `max` characters, escaped: limits count what the
 * channel receives, and escaping grows the text (`&` → `&amp;`).
 */
export function fitEscaped(text: string, max: number, escapeFn: (s: string) => string): string {
  const whole = escapeFn(text);
  if (whole.length <= max) return whole;
  let lo = 0;
  let hi = Math.min(text.length, max);
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (escapeFn(truncate(text, mid)).length <= max) lo = mid;
    else hi = mid - 1;
  }
  return escapeFn(truncate(text, lo));
}
