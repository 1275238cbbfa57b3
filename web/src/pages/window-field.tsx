import type { ReactNode } from 'react';
import { SelectField } from '../ui';

/** Windows a limit may count over, in seconds, each with its name ("hour"). */
export type WindowChoices = readonly (readonly [number, string])[];

/** "hour", "10 minutes", or "90 seconds" for a window no choice names. */
export function windowName(choices: WindowChoices, seconds: number): string {
  return choices.find(([s]) => s === seconds)?.[1] ?? `${seconds.toLocaleString()} seconds`;
}

/**
 * The window of a limit, "Per" one of `choices`. A window set through the API that no choice names stays
 * offered, so saving keeps it.
 */
export function WindowField(props: {
  choices: WindowChoices;
  value: number;
  onChange: (seconds: number) => void;
  error?: string | undefined;
  disabled?: boolean;
}): ReactNode {
  const { choices, value } = props;
  const offered = choices.some(([s]) => s === value)
    ? choices
    : [...choices, [value, windowName(choices, value)] as const];
  return (
    <SelectField
      label="Per"
      error={props.error}
      value={String(value)}
      disabled={props.disabled}
      onChange={(seconds) => props.onChange(Number(seconds))}
      options={offered.map(([seconds, name]) => [String(seconds), name] as const)}
    />
  );
}
