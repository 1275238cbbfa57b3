import { type ReactNode, useId } from 'react';
import type { ApiError } from '../api';
import type { SilenceMatcher } from '../types';
import { Field } from '../ui';

/** Alertmanager's matcher operators, and what each means in the API's two flags. */
export const OPERATORS = [
  { text: '=', isRegex: false, isEqual: true, label: 'equals' },
  { text: '!=', isRegex: false, isEqual: false, label: 'does not equal' },
  { text: '=~', isRegex: true, isEqual: true, label: 'matches the regex' },
  { text: '!~', isRegex: true, isEqual: false, label: 'does not match the regex' },
] as const;
/** One of {@link OPERATORS}' texts. */
export type Operator = (typeof OPERATORS)[number]['text'];

/** The operator of a matcher, as Alertmanager writes it. */
export function operatorOf(matcher: Pick<SilenceMatcher, 'isRegex' | 'isEqual'>): Operator {
  return OPERATORS.find((o) => o.isRegex === matcher.isRegex && o.isEqual === matcher.isEqual)!.text;
}

/** A matcher as Alertmanager writes it: `name="value"`, `name!~"regex"`. */
export function matcherText(matcher: SilenceMatcher): string {
  return `${matcher.name}${operatorOf(matcher)}${JSON.stringify(matcher.value)}`;
}

/** A matcher as typed into a row; `key` keeps a row's inputs its own when another is removed. */
export interface MatcherRow {
  readonly key: number;
  readonly name: string;
  readonly operator: Operator;
  readonly value: string;
}

let nextKey = 0;
/** An empty row: `=` with no name nor value. */
export const newMatcherRow = (): MatcherRow => ({ key: nextKey++, name: '', operator: '=', value: '' });

/** A row standing for a matcher. */
export function matcherRowOf(matcher: SilenceMatcher): MatcherRow {
  return { key: nextKey++, name: matcher.name, operator: operatorOf(matcher), value: matcher.value };
}

/** The matcher a row stands for, as the API takes it. */
export function matcherOf(row: MatcherRow): SilenceMatcher {
  const op = OPERATORS.find((o) => o.text === row.operator)!;
  return { name: row.name.trim(), value: row.value, isRegex: op.isRegex, isEqual: op.isEqual };
}

/** Whether the API's problem at `path` is one {@link MatcherRows} shows for the list at `field`. */
export function placedInRows(field: string, path: string): boolean {
  return path === field || new RegExp(`^${field}\\.\\d+(\\.name|\\.value)?$`).test(path);
}

/**
 * A list of matchers as rows of name, operator and value, with the API's problems at their inputs: those
 * at `{field}`, `{field}.{i}`, `{field}.{i}.name` and `{field}.{i}.value`. Rows are named "`{noun}` 1",
 * "`{noun}` 2"… so two lists in one form keep their controls apart.
 */
export function MatcherRows(props: {
  /** The list's name in the API's error paths: `matchers`, `sourceMatchers`. */
  field: string;
  legend: string;
  hint: ReactNode;
  /** What one row is called, capitalized: "Matcher", "Source matcher". */
  noun: string;
  rows: readonly MatcherRow[];
  onChange: (rows: readonly MatcherRow[]) => void;
  /** A row was removed: the API's problems name rows by position, so they no longer fit. */
  onRemoved: () => void;
  problems: ApiError | null;
}): ReactNode {
  const { field, noun, rows, problems } = props;
  const id = useId();
  const lower = noun.toLowerCase();
  const listError = problems?.at(field);

  const change = (key: number, patch: Partial<MatcherRow>) =>
    props.onChange(rows.map((r) => (r.key === key ? { ...r, ...patch } : r)));

  return (
    <fieldset aria-labelledby={id} aria-describedby={`${id}-hint`}>
      <legend id={id}>{props.legend}</legend>
      <p id={`${id}-hint`} className="hint">
        {props.hint}
      </p>
      {listError ? (
        <p className="error-text" role="alert">
          {listError}
        </p>
      ) : null}
      {rows.map((row, i) => {
        const path = `${field}.${i}`;
        return (
          // biome-ignore lint/a11y/useSemanticElements: a fieldset per row would nest legends in the list's fieldset.
          <div
            key={row.key}
            className="matcher-row"
            role="group"
            aria-label={`${noun} ${i + 1}`}
            data-testid={`${field}-${i}`}
          >
            <Field label="Name" error={problems?.at(`${path}.name`)}>
              {(ids) => (
                <input
                  id={ids.id}
                  value={row.name}
                  onChange={(e) => change(row.key, { name: e.target.value })}
                  aria-describedby={ids.describedBy}
                  aria-invalid={ids.invalid}
                  placeholder="instance"
                  autoCapitalize="off"
                  spellCheck={false}
                />
              )}
            </Field>
            <Field label="Operator" className="matcher-operator">
              {(ids) => (
                <select
                  id={ids.id}
                  value={row.operator}
                  onChange={(e) => change(row.key, { operator: e.target.value as Operator })}
                >
                  {OPERATORS.map((o) => (
                    <option key={o.text} value={o.text} title={o.label}>
                      {o.text}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <Field label="Value" error={problems?.at(`${path}.value`) ?? problems?.at(path)}>
              {(ids) => (
                <input
                  id={ids.id}
                  value={row.value}
                  onChange={(e) => change(row.key, { value: e.target.value })}
                  aria-describedby={ids.describedBy}
                  aria-invalid={ids.invalid}
                  placeholder={row.operator.endsWith('~') ? 'db-.*' : 'db-1'}
                  autoCapitalize="off"
                  spellCheck={false}
                />
              )}
            </Field>
            <button
              type="button"
              className="secondary small matcher-remove"
              aria-label={`Remove ${lower} ${i + 1}`}
              disabled={rows.length === 1}
              onClick={() => {
                props.onRemoved();
                props.onChange(rows.filter((r) => r.key !== row.key));
              }}
            >
              Remove
            </button>
          </div>
        );
      })}
      <button
        type="button"
        className="secondary small"
        onClick={() => props.onChange([...rows, newMatcherRow()])}
      >
        Add a {lower}
      </button>
    </fieldset>
  );
}
