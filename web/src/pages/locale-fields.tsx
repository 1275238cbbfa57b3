import { type ReactNode, useMemo } from 'react';
import { SelectField } from '../ui';

/** The languages Herald writes its messages in, by locale. */
export const LANGUAGES: readonly [string, string][] = [
  ['en', 'English'],
  ['de', 'Deutsch'],
  ['fr', 'Français'],
  ['es', 'Español'],
  ['ja', '日本語'],
];

/** The browser's time zones, UTC first when it lacks it, and `current` kept when it is not among them. */
export function timeZones(current: string): string[] {
  const zones = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  const all = zones.includes('UTC') ? [...zones] : ['UTC', ...zones];
  return all.includes(current) || current === '' ? all : [current, ...all];
}

/** What a person's language or time zone field shows and is told. */
interface LocaleFieldProps {
  readonly label: string;
  readonly value: string;
  readonly onChange: (value: string) => void;
  readonly error?: string | undefined;
  readonly hint?: ReactNode;
  /** The choice of none (Herald's default), when the field may be left empty. */
  readonly empty?: string;
}

/** A person's language: one of Herald's, or a locale set through the API, kept as it is. */
export function LanguageField(props: LocaleFieldProps): ReactNode {
  const known = props.value === '' || LANGUAGES.some(([code]) => code === props.value);
  return (
    <SelectField
      {...fieldProps(props)}
      options={[...emptyChoice(props), ...(known ? [] : [[props.value, props.value] as const]), ...LANGUAGES]}
    />
  );
}

/** A person's time zone, from the browser's list (the one set kept when the browser lacks it). */
export function TimeZoneField(props: LocaleFieldProps): ReactNode {
  const zones = useMemo(() => timeZones(props.value), [props.value]);
  return (
    <SelectField
      {...fieldProps(props)}
      options={[...emptyChoice(props), ...zones.map((z) => [z, z.replaceAll('_', ' ')] as const)]}
    />
  );
}

const fieldProps = ({ label, value, onChange, error, hint }: LocaleFieldProps) => ({
  label,
  value,
  onChange,
  error,
  hint,
});

/** The choice of none, when the field offers it. */
const emptyChoice = (props: LocaleFieldProps): (readonly [string, string])[] =>
  props.empty === undefined ? [] : [['', props.empty]];
