import { createIntl, createIntlCache, type IntlShape } from '@formatjs/intl';
import { DEFAULT_LOCALE, localeChain, messagesFor } from './catalogs.js';
import type { MessageKey } from './en.js';

/** Values an ICU message may interpolate; strings are inserted as text, never parsed as ICU. */
export type MessageValues = Readonly<Record<string, string | number>>;

/** Localized text and formats for one recipient: their language, their time zone. */
export interface Translator {
  /** The locale used for formats (the recipient's own when Intl supports it). */
  readonly locale: string;
  readonly timeZone: string;
  /** The message `key` in the recipient's language (English when no catalog has it). */
  t(key: MessageKey, values?: MessageValues): string;
  /** Date and time in the recipient's zone, with the zone's short name. */
  dateTime(ms: number): string;
  /** A number with the locale's grouping. */
  number(value: number): string;
}

const cache = createIntlCache();
const translators = new Map<string, Translator>();

function formatLocale(chain: readonly string[]): string {
  return chain.find((tag) => Intl.DateTimeFormat.supportedLocalesOf([tag]).length > 0) ?? DEFAULT_LOCALE;
}

function validZone(timeZone: string): string {
  try {
    new Intl.DateTimeFormat('en', { timeZone });
    return timeZone;
  } catch {
    return 'UTC';
  }
}

/** The translator of a locale and time zone; built once per pair and kept. */
export function translator(locale: string, timeZone: string): Translator {
  const key = `${locale}|${timeZone}`;
  const known = translators.get(key);
  if (known) return known;
  const chain = localeChain(locale);
  const zone = validZone(timeZone);
  const intl: IntlShape = createIntl(
    {
      locale: formatLocale(chain),
      defaultLocale: DEFAULT_LOCALE,
      timeZone: zone,
      messages: messagesFor(chain),
      // Missing keys cannot reach users (English is merged underneath); the catalog check catches them.
      onError: () => undefined,
    },
    cache,
  );
  const made: Translator = {
    locale: intl.locale,
    timeZone: zone,
    t: (id, values) => String(intl.formatMessage({ id }, values)),
    dateTime: (ms) =>
      intl.formatDate(ms, {
        year: 'numeric',
        month: 'short',
        day: 'numeric',
        hour: 'numeric',
        minute: '2-digit',
        timeZoneName: 'short',
      }),
    number: (value) => intl.formatNumber(value),
  };
  translators.set(key, made);
  return made;
}
