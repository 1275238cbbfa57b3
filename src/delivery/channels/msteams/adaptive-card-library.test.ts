import { describe, expect, it } from 'vitest';
import { libraryCardProblems } from './adaptive-card-library.js';

describe('adaptivecards library validation', () => {
  it('accepts a valid card', () => {
    const card = {
      type: 'AdaptiveCard',
      version: '1.5',
      body: [{ type: 'TextBlock', text: 'TypeError: x is undefined', wrap: true }],
      actions: [{ type: 'Action.OpenUrl', title: 'Open issue', url: 'https://herald.example/issues/1' }],
    };
    expect(libraryCardProblems(card)).toEqual([]);
  });

  it('reports unknown element types and missing required properties', () => {
    const card = {
      type: 'AdaptiveCard',
      version: '1.5',
      body: [{ type: 'Marquee', text: 'nope' }],
      actions: [{ type: 'Action.OpenUrl', title: 'no url' }],
    };
    const problems = libraryCardProblems(card);
    expect(problems.some((p) => p.includes('Marquee'))).toBe(true);
    expect(problems.some((p) => p.includes('url'))).toBe(true);
  });
});
