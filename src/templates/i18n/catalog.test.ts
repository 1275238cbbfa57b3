import { parse, TYPE } from '@formatjs/icu-messageformat-parser';
import { describe, expect, it } from 'vitest';
import { CATALOGS, localeChain, SHIPPED_LOCALES } from './catalogs.js';
import { en, type MessageKey } from './en.js';
import { translator } from './translator.js';

type Element = ReturnType<typeof parse>[number];

/** Argument names a message uses, including those inside plural branches. */
function argumentsOf(elements: readonly Element[], into = new Set<string>()): Set<string> {
  for (const el of elements) {
    if (el.type === TYPE.literal || el.type === TYPE.pound) continue;
    if ('value' in el && typeof el.value === 'string' && el.type !== TYPE.tag) into.add(el.value);
    if ('options' in el) for (const option of Object.values(el.options)) argumentsOf(option.value, into);
    if ('children' in el) argumentsOf(el.children, into);
  }
  return into;
}

const keys = Object.keys(en) as MessageKey[];

/**
 * The catalog check: a missing key or a message that does not parse fails the suite here, instead of
 * an English string (or worse) reaching a German reader.
 */
describe('message catalogs', () => {
  it('ships en, de, fr, es and ja', () => {
    expect(SHIPPED_LOCALES.sort()).toEqual(['de', 'en', 'es', 'fr', 'ja']);
  });

  for (const locale of SHIPPED_LOCALES) {
    describe(locale, () => {
      const catalog = CATALOGS[locale]!;

      it('has every key', () => {
        expect(keys.filter((k) => catalog[k] === undefined)).toEqual([]);
      });

      it('has no key English lacks', () => {
        expect(Object.keys(catalog).filter((k) => !(k in en))).toEqual([]);
      });

      it.each(keys)('%s parses and uses the same arguments as English', (key) => {
        const message = catalog[key];
        if (message === undefined) return;
        const elements = parse(message);
        expect([...argumentsOf(elements)].sort()).toEqual([...argumentsOf(parse(en[key]))].sort());
      });
    });
  }
});

describe('locale fallback', () => {
  it('walks fr-CA → fr → en', () => {
    expect(localeChain('fr-CA')).toEqual(['fr-CA', 'fr', 'en']);
    expect(localeChain('en-GB')).toEqual(['en-GB', 'en']);
    expect(localeChain('not a locale!')).toEqual(['en']);
  });

  it('answers a fr-CA reader in French, formatted for Canada', () => {
    const t = translator('fr-CA', 'America/Toronto');
    expect(t.t('action.viewIssue')).toBe('Voir le problème');
    expect(t.locale).toBe('fr-CA');
    expect(t.dateTime(Date.parse('2026-03-14T09:27:00Z'))).toMatch(/^14 mars 2026.*05 h 27/);
  });

  it('answers an unknown language in English', () => {
    expect(translator('xx', 'UTC').t('action.viewIssue')).toBe('View issue');
    expect(translator('pt-BR', 'UTC').t('action.viewIssue')).toBe('View issue');
  });

  it('applies each language’s plural rules', () => {
    expect(translator('en', 'UTC').t('count.events', { count: 1 })).toBe('1 event');
    expect(translator('en', 'UTC').t('count.events', { count: 1284 })).toBe('1,284 events');
    expect(translator('de', 'UTC').t('count.events', { count: 1284 })).toBe('1.284 Ereignisse');
    expect(translator('fr', 'UTC').t('count.issues', { count: 1 })).toBe('1 problème');
    expect(translator('ja', 'UTC').t('count.issues', { count: 3 })).toBe('3件の問題');
    expect(translator('es', 'UTC').t('list.more', { count: 12 })).toBe('… y 12 más');
  });

  it('shows times in the reader’s zone', () => {
    const ms = Date.parse('2026-07-01T12:00:00Z');
    expect(translator('en', 'America/New_York').dateTime(ms)).toContain('8:00');
    expect(translator('de', 'Europe/Berlin').dateTime(ms)).toContain('14:00');
    expect(translator('ja', 'Asia/Tokyo').dateTime(ms)).toContain('21:00');
    expect(translator('en', 'Not/AZone').timeZone).toBe('UTC');
  });

  it('inserts values as text, never as ICU syntax', () => {
    expect(
      translator('en', 'UTC').t('issueAlert.intro.error', { project: "{count, plural, other {#}} 'x'" }),
    ).toBe("New alert in {count, plural, other {#}} 'x'");
  });
});
