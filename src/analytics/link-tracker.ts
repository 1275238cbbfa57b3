import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import type { TrackingSettingsService } from './tracking-settings.js';
import { MAX_TRACKED_LINKS, signTrackingToken } from './tracking-token.js';

/** The delivery a message is tracked for. */
export interface TrackedDelivery {
  readonly id: string;
  readonly org_id: string;
  readonly channel: string;
  /** The attempt being made; a retry replaces the links stored by the earlier one. */
  readonly attempts?: number;
}

/** What the link tracker needs. */
export interface LinkTrackerDeps {
  readonly db: Kysely<Database>;
  readonly key: Uint8Array;
  readonly settings: TrackingSettingsService;
  readonly publicUrl: () => string;
}

const ENTITIES: Readonly<Record<string, string>> = {
  '&amp;': '&',
  '&lt;': '<',
  '&gt;': '>',
  '&quot;': '"',
  '&#39;': "'",
  '&#x27;': "'",
};

const decodeAttribute = (value: string) =>
  value.replace(/&(?:amp|lt|gt|quot|#39|#x27);/g, (e) => ENTITIES[e]!);

// Buttons are links: Slack's `button` elements and Teams' `Action.OpenUrl`.
const BUTTON_TYPES = new Set(['button', 'Action.OpenUrl']);

/**
 * Rewrites a rendered message just before it is sent: every web link of an email (and every button of
 * Slack and Teams) goes through `/t/c/<token>`, and an email gets an open pixel `/t/o/<token>.gif`. The
 * original URLs are stored per delivery, so a click redirect can only lead where the message pointed.
 * Unsubscribe links stay untouched: they must work without Herald recording anything.
 */
export function linkTracker(deps: LinkTrackerDeps) {
  const { db, key } = deps;

  function trackable(url: string, base: string): boolean {
    if (!/^https?:\/\//i.test(url)) return false;
    if (url.startsWith(`${base}/t/`) || url.startsWith(`${base}/unsubscribe`)) return false;
    return true;
  }

  return async function track(
    content: Record<string, unknown>,
    delivery: TrackedDelivery,
  ): Promise<Record<string, unknown>> {
    const email = delivery.channel === 'email';
    if (!email && delivery.channel !== 'slack' && delivery.channel !== 'msteams') return content;
    const settings = await deps.settings.get(delivery.org_id);
    if (!settings.clicks && !(email && settings.opens)) return content;
    const base = deps.publicUrl().replace(/\/+$/, '');
    const links: string[] = [];
    const redirect = (url: string): string | null => {
      if (!settings.clicks || !trackable(url, base)) return null;
      let position = links.indexOf(url);
      if (position < 0) {
        if (links.length >= MAX_TRACKED_LINKS) return null;
        position = links.push(url) - 1;
      }
      return `${base}/t/c/${signTrackingToken({ kind: 'click', deliveryId: delivery.id, link: position }, key)}`;
    };

    let next: Record<string, unknown>;
    if (email) {
      let html = typeof content.html === 'string' ? content.html : '';
      html = html.replace(/href="([^"]*)"/g, (whole, raw: string) => {
        const target = redirect(decodeAttribute(raw));
        return target === null ? whole : `href="${target}"`;
      });
      if (settings.opens && html) {
        const token = signTrackingToken({ kind: 'open', deliveryId: delivery.id }, key);
        const pixel = `<img src="${base}/t/o/${token}.gif" width="1" height="1" alt="" style="display:block;width:1px;height:1px;border:0" />`;
        html = /<\/body>/i.test(html) ? html.replace(/<\/body>/i, `${pixel}</body>`) : `${html}${pixel}`;
      }
      next = { ...content, html };
    } else {
      next = rewriteButtons(content, redirect) as Record<string, unknown>;
    }

    const retry = (delivery.attempts ?? 2) > 1;
    if (links.length === 0 && !retry) return next;
    await db.transaction().execute(async (trx) => {
      // A retry renders again: its links replace those of the earlier attempt. So does a replayed dead
      // letter, whose attempts start again from the first: its links are written over the old ones.
      if (retry) await trx.deleteFrom('delivery_links').where('delivery_id', '=', delivery.id).execute();
      for (let i = 0; i < links.length; i += 200) {
        await trx
          .insertInto('delivery_links')
          .values(
            links.slice(i, i + 200).map((url, j) => ({ delivery_id: delivery.id, position: i + j, url })),
          )
          .onConflict((oc) =>
            oc.columns(['delivery_id', 'position']).doUpdateSet((eb) => ({ url: eb.ref('excluded.url') })),
          )
          .execute();
      }
    });
    return next;
  };
}

function rewriteButtons(value: unknown, redirect: (url: string) => string | null): unknown {
  if (Array.isArray(value)) return value.map((v) => rewriteButtons(v, redirect));
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = rewriteButtons(v, redirect);
  const type = (value as Record<string, unknown>).type;
  if (typeof type === 'string' && BUTTON_TYPES.has(type) && typeof out.url === 'string') {
    const target = redirect(out.url);
    if (target !== null) out.url = target;
  }
  return out;
}

/** The link tracker: a rendered message in, the tracked message out. */
export type LinkTracker = ReturnType<typeof linkTracker>;
