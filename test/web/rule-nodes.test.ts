import { describe, expect, it } from 'vitest';
import { ACTION_IDS, CONDITION_IDS, FILTER_IDS } from '../../src/rules/rule-schema.js';
import { ACTIONS, CONDITIONS, FILTERS } from '../../web/src/rule-nodes.js';

/** The dashboard's rule form offers every node the API takes, and none it refuses. */
describe("the rule form's nodes", () => {
  it('are the conditions, filters and actions of the rule schema', () => {
    const ids = (specs: readonly { id: string }[]) => specs.map((s) => s.id).sort();
    expect(ids(CONDITIONS)).toEqual([...CONDITION_IDS].sort());
    expect(ids(FILTERS)).toEqual([...FILTER_IDS].sort());
    expect(ids(ACTIONS)).toEqual([...ACTION_IDS].sort());
  });
});
