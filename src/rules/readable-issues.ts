import { z } from 'zod';
import type { FieldProblem } from '../errors.js';
import { zodProblems } from '../validation.js';

/**
 * A zod error map with messages meant for the people who wrote the rule rather than for programmers;
 * passed per parse, so messages a schema sets itself still win.
 */
export const readableIssues: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'is required';
      return issue.expected === 'int' ? 'must be an integer' : `must be ${article(issue.expected)}`;
    case 'invalid_value':
      return `must be one of: ${issue.values.map((v) => String(v)).join(', ')}`;
    case 'too_small':
      return bound(issue.origin, 'at least', 'greater than', issue.minimum, issue.inclusive);
    case 'too_big':
      return bound(issue.origin, 'at most', 'less than', issue.maximum, issue.inclusive);
    default:
      return undefined;
  }
};

/**
 * Field problems of a rule body; an unknown key becomes a problem at its own path
 * (`conditions.0.intervall`), so a misspelt option is named rather than its node.
 */
export function ruleProblems(error: z.ZodError): FieldProblem[] {
  return error.issues.flatMap((issue): FieldProblem[] => {
    if (issue.code !== 'unrecognized_keys') return zodProblems(new z.ZodError([issue]));
    return issue.keys.map((key) => ({
      path: [...issue.path, key].map(String).join('.'),
      message: 'is not a known field',
    }));
  });
}

function article(noun: string): string {
  return /^[aeiou]/.test(noun) ? `an ${noun}` : `a ${noun}`;
}

function bound(
  origin: string,
  inclusiveWord: string,
  exclusiveWord: string,
  limit: number | bigint,
  inclusive: boolean | undefined,
): string {
  const word = inclusive === false ? exclusiveWord : inclusiveWord;
  const plural = Number(limit) === 1 ? '' : 's';
  if (origin === 'string') return `must have ${word} ${limit} character${plural}`;
  if (origin === 'array' || origin === 'set') return `must have ${word} ${limit} item${plural}`;
  return `must be ${word} ${limit}`;
}
