import type { z } from 'zod';
import type { FieldProblem } from './errors.js';

/**
 * A zod error map with messages meant for the people who wrote the input rather than for programmers;
 * pass it per parse (`schema.safeParse(input, { error: readableIssues })`). Messages a schema sets
 * itself take precedence over it.
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
    case 'invalid_format':
      return `must be a valid ${issue.format}`;
    default:
      return undefined;
  }
};

/**
 * One problem per bad field of a zod error, paths dotted (`conditions.0.interval`); an unknown key
 * becomes a problem of its own path so every bad field is named.
 */
export function zodProblems(error: z.ZodError): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const issue of error.issues) {
    const path = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        problems.push({ path: path ? `${path}.${key}` : key, message: 'is not a known field' });
      }
      continue;
    }
    problems.push({ path, message: issue.message });
  }
  return problems;
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
  if (origin === 'string') return `must have ${word} ${limit} character${limit === 1 ? '' : 's'}`;
  if (origin === 'array' || origin === 'set')
    return `must have ${word} ${limit} item${limit === 1 ? '' : 's'}`;
  return `must be ${word} ${limit}`;
}
