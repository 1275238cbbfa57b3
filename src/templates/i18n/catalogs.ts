import { de } from './de.js';
import { type Catalog, en } from './en.js';
import { es } from './es.js';
import { fr } from './fr.js';
import { ja } from './ja.js';

/** Every shipped catalog by language tag; English is complete by construction. */
export const CATALOGS: Readonly<Record<string, Catalog>> = { en, de, fr, es, ja };

/** The language tags Herald ships messages for. */
export const SHIPPED_LOCALES = Object.keys(CATALOGS);

/** The locale every chain ends in. */
export const DEFAULT_LOCALE = 'en';

/**
 * The lookup chain of a locale, most specific first and always ending in English: `fr-CA` → `fr-CA`,
 * `fr`, `en`. An unreadable tag falls back to English alone.
 */
export function localeChain(locale: string): string[] {
  let canonical: string | undefined;
  try {
    canonical = Intl.getCanonicalLocales(locale)[0];
  } catch {
    canonical = undefined;
  }
  const chain: string[] = [];
  if (canonical) {
    const parts = canonical.split('-');
    for (let n = parts.length; n > 0; n--) chain.push(parts.slice(0, n).join('-'));
  }
  if (!chain.includes(DEFAULT_LOCALE)) chain.push(DEFAULT_LOCALE);
  return chain;
}

/** The messages of a chain, English underneath so a missing translation never shows a key. */
export function messagesFor(chain: readonly string[]): Record<string, string> {
  const merged: Record<string, string> = {};
  for (const tag of [...chain].reverse()) Object.assign(merged, CATALOGS[tag] ?? {});
  return merged;
}
