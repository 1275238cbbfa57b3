import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { compileRegex } from './linear-regex.js';

const matches = (pattern: string, text: string): boolean => {
  const compiled = compileRegex(pattern);
  if (!compiled.ok) throw new Error(`${pattern}: ${compiled.message}`);
  return compiled.regex.test(text);
};
const refusal = (pattern: string): string => {
  const compiled = compileRegex(pattern);
  if (compiled.ok) throw new Error(`${pattern} was accepted`);
  return compiled.message;
};

describe('RE2-syntax regular expressions', () => {
  it('match the whole text, as Alertmanager anchors its matchers', () => {
    expect(matches('db-[0-9]+', 'db-12')).toBe(true);
    expect(matches('db-[0-9]+', 'db-12x')).toBe(false);
    expect(matches('db', 'xdb')).toBe(false);
    expect(matches('db-1|db-2', 'db-2')).toBe(true);
    expect(matches('', '')).toBe(true);
    expect(matches('', 'a')).toBe(false);
    expect(matches('.*', '')).toBe(true);
    expect(matches('a.c', 'a\nc')).toBe(false);
    expect(matches('(?s)a.c', 'a\nc')).toBe(true);
  });

  it('read classes, counts, flags, escapes and Unicode as RE2 does', () => {
    expect(matches('[[:alpha:]]+[[:digit:]]{2}', 'web42')).toBe(true);
    expect(matches('[^a-c]x', 'dx')).toBe(true);
    expect(matches('[^a-c]x', 'bx')).toBe(false);
    expect(matches('[]a]+', ']a]')).toBe(true);
    expect(matches('a{2,3}', 'aaa')).toBe(true);
    expect(matches('a{2,3}', 'aaaa')).toBe(false);
    expect(matches('a{2,}', 'aaaaa')).toBe(true);
    expect(matches('a{,2}', 'a{,2}')).toBe(true);
    expect(matches('(?i)prod(uction)?', 'PRODUCTION')).toBe(true);
    expect(matches('(?i:a)b', 'AB')).toBe(false);
    expect(matches('(?i:a)b', 'Ab')).toBe(true);
    expect(matches('(?P<host>[a-z]+)\\.example\\.com', 'db.example.com')).toBe(true);
    expect(matches('\\d+\\s\\w+', '10 ms')).toBe(true);
    expect(matches('\\Qa.b\\E', 'a.b')).toBe(true);
    expect(matches('\\Qa.b\\E', 'axb')).toBe(false);
    expect(matches('\\x41\\x{263a}\\101', 'A☺A')).toBe(true);
    expect(matches('\\p{Greek}+', 'αβγ')).toBe(true);
    expect(matches('\\pL+', 'Zürich')).toBe(true);
    expect(matches('\\bdb\\b.*', 'db eu')).toBe(true);
    expect(matches('a+?b*?', 'aab')).toBe(true);
    expect(matches('(?m)a$\\n^b', 'a\nb')).toBe(true);
  });

  it('refuse what RE2 refuses, with its message', () => {
    expect(refusal('(?=x)a')).toContain('invalid or unsupported Perl syntax');
    expect(refusal('(?<!x)a')).toContain('invalid named capture');
    expect(refusal('(a)\\1')).toContain('invalid escape sequence');
    expect(refusal('(a')).toContain('missing closing )');
    expect(refusal('a)')).toContain('unexpected )');
    expect(refusal('[a-')).toContain('missing closing ]');
    expect(refusal('[z-a]')).toContain('invalid character class range');
    expect(refusal('*a')).toContain('missing argument to repetition operator');
    expect(refusal('a**')).toContain('invalid nested repetition operator');
    expect(refusal('a{1001}')).toContain('invalid repeat count');
    expect(refusal('a{3,2}')).toContain('invalid repeat count');
    expect(refusal('\\k')).toContain('invalid escape sequence');
    expect(refusal('a\\')).toContain('trailing backslash');
    expect(refusal('[[:nope:]]')).toContain('invalid character class range');
    expect(refusal('\\p{Klingon}')).toContain('invalid character class range');
    expect(refusal('(a{1000}){1000}')).toContain('invalid repeat count');
  });

  it('answer patterns a backtracking engine would never finish', () => {
    // Linear in the text: each of these ends at once, where JavaScript's RegExp runs for ever.
    const text = `${'a'.repeat(5_000)}!`;
    expect(matches('(a|a)*b', text)).toBe(false);
    expect(matches('(a+)+b', text)).toBe(false);
    expect(matches('(a*)*a*a*a*a*a*b', text)).toBe(false);
  });

  // Patterns in the syntax JavaScript and RE2 share, which must match the same strings in both.
  const atom = fc.constantFrom('a', 'b', '.', '[ab]', '[^a]', '\\d', 'x');
  const pattern: fc.Arbitrary<string> = fc.letrec<{ re: string }>((tie) => ({
    re: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      atom,
      fc.tuple(tie('re'), tie('re')).map(([a, b]) => a + b),
      fc.tuple(tie('re'), tie('re')).map(([a, b]) => `(?:${a}|${b})`),
      fc
        .tuple(tie('re'), fc.constantFrom('*', '+', '?', '{2}', '{1,3}', '{0,}'))
        .map(([a, q]) => `(?:${a})${q}`),
    ),
  })).re;

  test.prop([pattern, fc.stringMatching(/^[abx1\n]{0,8}$/)])(
    'match exactly what an anchored JavaScript RegExp matches over their shared syntax',
    (source, text) => {
      expect(matches(source, text)).toBe(new RegExp(`^(?:${source})$`).test(text));
    },
  );
});
