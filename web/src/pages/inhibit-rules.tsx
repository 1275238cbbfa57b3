import { type FormEvent, type ReactNode, useCallback, useEffect, useState } from 'react';
import { api, describeError } from '../api';
import type { InhibitRule, SilenceMatcher } from '../types';
import { Field, formatTime, Loading, Notice } from '../ui';
import { CommentField, FormActions, ProblemSummary, useApiForm } from './api-form';
import { ConfirmDelete, useDeletion } from './confirm-delete';
import {
  type MatcherRow,
  MatcherRows,
  matcherOf,
  matcherText,
  newMatcherRow,
  placedInRows,
} from './matcher-rows';
import { type MuteCount, MutedCount } from './muted-count';

/** An inhibit rule as Herald's API lists it: with what it has muted. */
type CountedRule = InhibitRule & MuteCount;

const sideText = (matchers: readonly SilenceMatcher[]) => matchers.map(matcherText).join(', ');

/** A rule in one line, as the page's messages name it: `severity="critical" → severity="warning"`. */
const ruleText = (rule: InhibitRule) => `${sideText(rule.sourceMatchers)} → ${sideText(rule.targetMatchers)}`;

/**
 * A project's inhibit rules at `path` (the API answers them all: a project has at most 100), below its
 * silences. Managers add them and delete them, after a confirmation; everyone else reads them.
 */
export function InhibitRules(props: { token: string; path: string; manage: boolean }): ReactNode {
  const { token, path, manage } = props;
  const [rules, setRules] = useState<readonly CountedRule[] | null>(null);
  const [creating, setCreating] = useState(false);
  const [confirming, setConfirming] = useState<string | null>(null);
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);

  const load = useCallback(async () => {
    setRules((await api<{ data: CountedRule[] }>(token, 'GET', path)).data);
  }, [token, path]);

  useEffect(() => {
    load().catch((e: unknown) => setMessage({ kind: 'error', text: describeError(e) }));
  }, [load]);

  const deleted = (rule: InhibitRule) => {
    setConfirming(null);
    setMessage({ kind: 'ok', text: `Inhibit rule ${ruleText(rule)} deleted.` });
    void load().catch((e: unknown) => setMessage({ kind: 'error', text: describeError(e) }));
  };

  return (
    <section className="org-section" aria-labelledby="inhibit-rules-title">
      <h2 id="inhibit-rules-title">Inhibit rules</h2>
      <p className="muted">
        While a source fires (an unresolved issue whose latest event matches the source matchers), the events
        that match the target matchers and have the same values of its equal labels fire no alert rule; they
        are still stored and grouped into issues.
      </p>
      {message ? <Notice kind={message.kind}>{message.text}</Notice> : null}
      {manage && !creating ? (
        <div className="button-row">
          <button
            type="button"
            onClick={() => {
              setMessage(null);
              setCreating(true);
            }}
          >
            New inhibit rule
          </button>
        </div>
      ) : null}
      {manage && creating ? (
        <InhibitRuleForm
          token={token}
          path={path}
          onCancel={() => setCreating(false)}
          onCreated={(rule) => {
            setCreating(false);
            setMessage({ kind: 'ok', text: `Inhibit rule ${ruleText(rule)} added.` });
            void load().catch((e: unknown) => setMessage({ kind: 'error', text: describeError(e) }));
          }}
        />
      ) : null}
      {rules === null ? (
        message?.kind === 'error' ? null : (
          <Loading what="inhibit rules" />
        )
      ) : rules.length === 0 ? (
        <p className="muted">No inhibit rule.</p>
      ) : (
        <ul className="rule-list">
          {rules.map((rule) => (
            <li key={rule.id} className="card rule-item" data-testid="inhibit-rule-item">
              <div className="inhibit-sides">
                <MatcherList label="Source matchers" matchers={rule.sourceMatchers} />
                <span aria-hidden="true">→</span>
                <span className="visually-hidden">inhibits</span>
                <MatcherList label="Target matchers" matchers={rule.targetMatchers} />
              </div>
              <p className="muted small">
                {rule.equal.length > 0
                  ? `when equal: ${rule.equal.join(', ')}`
                  : 'whatever their labels: any firing source mutes every target'}{' '}
                · added {formatTime(rule.createdAt)}
              </p>
              <MutedCount of={rule} />
              {rule.comment ? <p>{rule.comment}</p> : null}
              {manage && confirming !== rule.id ? (
                <div className="button-row">
                  <button
                    type="button"
                    className="danger small"
                    onClick={() => {
                      setMessage(null);
                      setConfirming(rule.id);
                    }}
                  >
                    Delete
                  </button>
                </div>
              ) : null}
              {manage && confirming === rule.id ? (
                <ConfirmDeletion
                  token={token}
                  path={`${path}/${encodeURIComponent(rule.id)}`}
                  rule={rule}
                  onCancel={() => setConfirming(null)}
                  onDeleted={() => deleted(rule)}
                />
              ) : null}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function MatcherList(props: { label: string; matchers: readonly SilenceMatcher[] }): ReactNode {
  return (
    <ul className="matchers" aria-label={props.label}>
      {props.matchers.map((m, i) => (
        // A side may repeat a matcher; its position keeps the keys apart.
        // biome-ignore lint/suspicious/noArrayIndexKey: the list is never reordered.
        <li key={i}>
          <code>{matcherText(m)}</code>
        </li>
      ))}
    </ul>
  );
}

/** Asks once more before deleting a rule: from then on, what it muted fires its alert rules again. */
function ConfirmDeletion(props: {
  token: string;
  path: string;
  rule: InhibitRule;
  onCancel: () => void;
  onDeleted: () => void;
}): ReactNode {
  const deletion = useDeletion();

  return (
    <ConfirmDelete
      label={`Delete inhibit rule ${ruleText(props.rule)}`}
      title="Delete this inhibit rule?"
      deleteLabel="Delete this rule"
      deletion={deletion}
      onConfirm={() => void deletion.remove(props.token, props.path, props.onDeleted)}
      onCancel={props.onCancel}
    >
      <p>The events it mutes fire their alert rules again from now on.</p>
    </ConfirmDelete>
  );
}

/** The label names typed into the `equal` field: comma-separated, blanks dropped. */
const equalNames = (text: string) =>
  text
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);

/** Adds an inhibit rule to the project at `path`: its source and target matchers, its equal labels, why. */
function InhibitRuleForm(props: {
  token: string;
  path: string;
  onCreated: (rule: InhibitRule) => void;
  onCancel: () => void;
}): ReactNode {
  const [source, setSource] = useState<readonly MatcherRow[]>(() => [newMatcherRow()]);
  const [target, setTarget] = useState<readonly MatcherRow[]>(() => [newMatcherRow()]);
  const [equal, setEqual] = useState('');
  const [comment, setComment] = useState('');
  // The names sent, so that `equal.{i}` can be told by the name it is about.
  const [sentEqual, setSentEqual] = useState<readonly string[]>([]);
  const form = useApiForm();
  const { problems, setProblems } = form;

  const save = async (event: FormEvent) => {
    event.preventDefault();
    const names = equalNames(equal);
    setSentEqual(names);
    await form.submit(async () =>
      props.onCreated(
        await api<InhibitRule>(props.token, 'POST', props.path, {
          sourceMatchers: source.map(matcherOf),
          targetMatchers: target.map(matcherOf),
          equal: names,
          comment: comment.trim(),
        }),
      ),
    );
  };

  const isEqualPath = (path: string) => path === 'equal' || /^equal\.\d+$/.test(path);
  const placed = (path: string) =>
    path === 'comment' ||
    isEqualPath(path) ||
    placedInRows('sourceMatchers', path) ||
    placedInRows('targetMatchers', path);
  const equalError =
    problems?.details
      .filter((d) => isEqualPath(d.path))
      .map((d) => {
        const name = d.path === 'equal' ? undefined : sentEqual[Number(d.path.slice('equal.'.length))];
        return name === undefined ? d.message : `“${name}” ${d.message}`;
      })
      .join('; ') || undefined;

  return (
    <form className="card silence-form" aria-label="New inhibit rule" onSubmit={save} noValidate>
      <h2>New inhibit rule</h2>
      <ProblemSummary form={form} placed={placed} />
      <MatcherRows
        field="sourceMatchers"
        legend="Source matchers"
        noun="Source matcher"
        hint="The rule mutes targets while an unresolved issue whose latest event matches all of these exists."
        rows={source}
        onChange={setSource}
        onRemoved={() => setProblems(null)}
        problems={problems}
      />
      <MatcherRows
        field="targetMatchers"
        legend="Target matchers"
        noun="Target matcher"
        hint="The events it mutes match all of these."
        rows={target}
        onChange={setTarget}
        onRemoved={() => setProblems(null)}
        problems={problems}
      />
      <Field
        label="Equal labels"
        error={equalError}
        hint="Comma-separated label names the source and the target must have the same values of; a label missing on both counts as equal. Left empty, any firing source mutes every target."
      >
        {(ids) => (
          <input
            id={ids.id}
            value={equal}
            onChange={(e) => setEqual(e.target.value)}
            aria-describedby={ids.describedBy}
            aria-invalid={ids.invalid}
            placeholder="alertname, instance"
            autoCapitalize="off"
            spellCheck={false}
          />
        )}
      </Field>
      <CommentField
        value={comment}
        onChange={setComment}
        error={problems?.at('comment')}
        placeholder="A node down says it all: its services' warnings add nothing"
      />
      <FormActions label="Add inhibit rule" busyLabel="Adding…" busy={form.busy} onCancel={props.onCancel} />
    </form>
  );
}
