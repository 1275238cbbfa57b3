import { describe, expect, it } from 'vitest';
import { statementNames } from './pg-named-statements.js';

describe('statement names', () => {
  it('names a text from its second run on, the same name every time', () => {
    const nameOf = statementNames();
    const text = 'select * from jobs where id = $1';
    expect(nameOf(text)).toBeUndefined();
    const name = nameOf(text);
    expect(name).toMatch(/^herald_[0-9a-f]{20}$/);
    expect(nameOf(text)).toBe(name);
    expect(statementNames()(text)).toBeUndefined();
    const other = statementNames();
    other(text);
    expect(other(text)).toBe(name);
  });

  it('names no more texts than its bound; the named ones keep their names', () => {
    const nameOf = statementNames(2);
    const texts = ['select $1', 'select $1, $2', 'select $1, $2, $3'];
    for (const text of texts) nameOf(text);
    const names = texts.map((text) => nameOf(text));
    expect(names.slice(0, 2).every((n) => n !== undefined)).toBe(true);
    expect(names[2]).toBeUndefined();
    expect(nameOf(texts[2]!)).toBeUndefined();
    expect(nameOf(texts[0]!)).toBe(names[0]);
  });
});
