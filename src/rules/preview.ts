import type { RuleInput } from './condition.js';
import { compileRule } from './evaluate.js';
import type { RuleLogic } from './rule-schema.js';

/** How often a rule would have fired on each issue; issues it never fired on are left out. */
export type PreviewResult = ReadonlyMap<string, number>;

/**
 * Replays past events (time-ordered) through a rule as the engine would have: the environment and
 * status checks, then the action interval against a simulated last firing per issue, then the rule's
 * filters and conditions. Each input's `now` is the moment it is replayed at.
 */
export async function previewRule(
  rule: RuleLogic & { readonly id?: string },
  timeline: readonly RuleInput[],
): Promise<PreviewResult> {
  const compiled = compileRule({ ...rule, id: rule.id ?? 'preview' });
  const lastFired = new Map<string, number>();
  const fired = new Map<string, number>();

  for (const input of timeline) {
    if (!compiled.appliesTo(input)) continue;
    const issueId = input.issue.id;
    if (compiled.isWithinActionInterval(lastFired.get(issueId) ?? null, input.now)) continue;
    const result = compiled.matches(input);
    if (typeof result === 'boolean' ? !result : !(await result)) continue;
    lastFired.set(issueId, input.now);
    fired.set(issueId, (fired.get(issueId) ?? 0) + 1);
  }
  return fired;
}
