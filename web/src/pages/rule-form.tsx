import { type FormEvent, type ReactNode, useId, useRef, useState } from 'react';
import { ApiError, api, describeError } from '../api';
import {
  ACTIONS,
  CONDITIONS,
  FILTERS,
  KEY,
  keyed,
  type NodeField,
  type NodeSpec,
  newNode,
  nodeBody,
} from '../rule-nodes';
import type { MatchMode, Project, Rule, RulePreview } from '../types';
import { Field, Notice, NumberField, PageHeader } from '../ui';
import type { RuleContext } from './rules';

type Node = Record<string, unknown>;
type Section = 'conditions' | 'filters' | 'actions';

const SPECS: Readonly<Record<Section, readonly NodeSpec[]>> = {
  conditions: CONDITIONS,
  filters: FILTERS,
  actions: ACTIONS,
};

const MATCH_TEXT: Readonly<Record<MatchMode, string>> = { all: 'all', any: 'any', none: 'none' };

/** Creates or edits a rule; the API's errors appear beside the fields they name. */
export function RuleForm(props: {
  token: string;
  base: string;
  project: Project | undefined;
  rule: Rule | null;
  context: RuleContext;
  onDone: (saved: Rule | null) => void;
}): ReactNode {
  const { rule } = props;
  const [name, setName] = useState(rule?.name ?? '');
  const [environment, setEnvironment] = useState(rule?.environment ?? '');
  const [frequency, setFrequency] = useState(String(rule?.frequency ?? 30));
  const [actionMatch, setActionMatch] = useState<MatchMode>(rule?.actionMatch ?? 'all');
  const [filterMatch, setFilterMatch] = useState<MatchMode>(rule?.filterMatch ?? 'all');
  const [nodes, setNodes] = useState<Record<Section, Node[]>>({
    conditions: rule ? rule.conditions.map(keyed) : [keyed({ id: 'first_seen_event' })],
    filters: rule ? rule.filters.map(keyed) : [],
    actions: rule ? rule.actions.map(keyed) : [],
  });
  const [problems, setProblems] = useState<ApiError | null>(null);
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const [preview, setPreview] = useState<RulePreview | null>(null);
  const [busy, setBusy] = useState(false);
  const summaryRef = useRef<HTMLDivElement>(null);

  const body = () => {
    const spec = (section: Section, node: Node) => SPECS[section].find((s) => s.id === node.id);
    const frequencyNumber = Number(frequency);
    return {
      name: name.trim(),
      environment: environment.trim() || null,
      frequency: frequency.trim() !== '' && Number.isFinite(frequencyNumber) ? frequencyNumber : frequency,
      actionMatch,
      filterMatch,
      conditions: nodes.conditions.map((n) => nodeBody(spec('conditions', n), n)),
      filters: nodes.filters.map((n) => nodeBody(spec('filters', n), n)),
      actions: nodes.actions.map((n) => nodeBody(spec('actions', n), n)),
    };
  };

  const fail = (error: unknown) => {
    if (error instanceof ApiError && error.details.length > 0) {
      setProblems(error);
      setMessage({ kind: 'error', text: 'Some fields need attention; each is marked below.' });
    } else {
      setMessage({ kind: 'error', text: describeError(error) });
    }
    requestAnimationFrame(() => summaryRef.current?.focus());
  };

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setProblems(null);
    setMessage(null);
    try {
      const saved = rule
        ? await api<Rule>(props.token, 'PUT', `${props.base}/${rule.id}`, body())
        : await api<Rule>(props.token, 'POST', props.base, body());
      props.onDone(saved);
    } catch (error) {
      fail(error);
    } finally {
      setBusy(false);
    }
  };

  const runPreview = async () => {
    setBusy(true);
    setProblems(null);
    setMessage(null);
    try {
      const { name: _name, actions: _actions, ...logic } = body();
      setPreview(
        await api<RulePreview>(props.token, 'POST', `${props.base}/preview`, { ...logic, days: 14 }),
      );
    } catch (error) {
      setPreview(null);
      fail(error);
    } finally {
      setBusy(false);
    }
  };

  const update = (section: Section, list: Node[]) => setNodes((all) => ({ ...all, [section]: list }));
  const known = new Set(['name', 'environment', 'frequency', 'actionMatch', 'filterMatch']);
  const shown = (path: string) => known.has(path) || /^(conditions|filters|actions)(\.\d+)?(\.|$)/.test(path);
  const unplaced = problems?.details.filter((d) => !shown(d.path)) ?? [];

  return (
    <section aria-labelledby="page-title">
      <PageHeader title={rule ? `Edit “${rule.name}”` : 'New alert rule'}>
        {props.project ? `Project ${props.project.name}. ` : ''}Preview shows what the rule would have fired
        on over the last 14 days, without sending anything.
      </PageHeader>
      <form onSubmit={save} noValidate className="rule-form">
        <div ref={summaryRef} tabIndex={-1}>
          {message ? <Notice kind={message.kind}>{message.text}</Notice> : null}
          {unplaced.map((d) => (
            <Notice key={d.path} kind="error">
              {d.path ? `${d.path}: ` : ''}
              {d.message}
            </Notice>
          ))}
        </div>
        <div className="card grid-2">
          <Field label="Name" error={problems?.at('name')}>
            {(ids) => (
              <input
                id={ids.id}
                value={name}
                onChange={(e) => setName(e.target.value)}
                aria-describedby={ids.describedBy}
                aria-invalid={ids.invalid}
                placeholder="New errors in production"
              />
            )}
          </Field>
          <Field label="Environment" error={problems?.at('environment')} hint="Empty: every environment.">
            {(ids) => (
              <input
                id={ids.id}
                value={environment}
                onChange={(e) => setEnvironment(e.target.value)}
                aria-describedby={ids.describedBy}
                aria-invalid={ids.invalid}
                placeholder="production"
              />
            )}
          </Field>
          <NumberField
            label="At most once per issue every (minutes)"
            error={problems?.at('frequency')}
            hint="0 fires on every matching event; at most 43200 (30 days)."
            min={0}
            max={43200}
            value={frequency}
            onChange={setFrequency}
          />
        </div>

        <NodeList
          title="When"
          section="conditions"
          match={actionMatch}
          onMatch={setActionMatch}
          matchLabel="of these conditions happen"
          empty="No conditions: every event passes this stage."
          nodes={nodes.conditions}
          onChange={(l) => update('conditions', l)}
          problems={problems}
          context={props.context}
        />
        <NodeList
          title="If"
          section="filters"
          match={filterMatch}
          onMatch={setFilterMatch}
          matchLabel="of these filters pass"
          empty="No filters: every issue qualifies."
          nodes={nodes.filters}
          onChange={(l) => update('filters', l)}
          problems={problems}
          context={props.context}
        />
        <NodeList
          title="Then"
          section="actions"
          empty="Add at least one action."
          nodes={nodes.actions}
          onChange={(l) => update('actions', l)}
          problems={problems}
          context={props.context}
        />

        {preview ? (
          <section className="card preview" aria-labelledby="preview-title" data-testid="preview">
            <h2 id="preview-title">Preview</h2>
            <p role="status">
              Would have fired <strong>{preview.totalFired}</strong> time{preview.totalFired === 1 ? '' : 's'}{' '}
              over {preview.eventsScanned} event{preview.eventsScanned === 1 ? '' : 's'} in the last 14 days.
            </p>
            {preview.data.length > 0 ? (
              <ul className="plain-list">
                {preview.data.map((p) => (
                  <li key={p.issueId}>
                    <span>{p.title}</span>
                    <span className="muted">{p.fired}×</span>
                  </li>
                ))}
              </ul>
            ) : null}
          </section>
        ) : null}

        <div className="form-actions">
          <button type="submit" disabled={busy}>
            {rule ? 'Save rule' : 'Create rule'}
          </button>
          <button type="button" className="secondary" disabled={busy} onClick={() => void runPreview()}>
            Preview
          </button>
          <button type="button" className="secondary" onClick={() => props.onDone(null)}>
            Cancel
          </button>
        </div>
      </form>
    </section>
  );
}

function NodeList(props: {
  title: string;
  section: Section;
  match?: MatchMode;
  onMatch?: (m: MatchMode) => void;
  matchLabel?: string;
  empty: string;
  nodes: Node[];
  onChange: (list: Node[]) => void;
  problems: ApiError | null;
  context: RuleContext;
}): ReactNode {
  const specs = SPECS[props.section];
  const [adding, setAdding] = useState('');
  const headingId = useId();
  const sectionError = props.problems?.at(props.section);

  return (
    <fieldset className="card node-list" aria-labelledby={headingId}>
      <legend id={headingId} className="node-legend">
        {props.title}
        {props.match && props.onMatch ? (
          <>
            {' '}
            <select
              aria-label={`How ${props.section} combine`}
              value={props.match}
              onChange={(e) => props.onMatch?.(e.target.value as MatchMode)}
            >
              {(['all', 'any', 'none'] as const).map((m) => (
                <option key={m} value={m}>
                  {MATCH_TEXT[m]}
                </option>
              ))}
            </select>{' '}
            {props.matchLabel}
          </>
        ) : null}
      </legend>
      {sectionError ? (
        <p className="error-text" role="alert">
          {sectionError}
        </p>
      ) : null}
      {props.nodes.length === 0 ? <p className="muted">{props.empty}</p> : null}
      {props.nodes.map((node, i) => {
        const spec = specs.find((s) => s.id === node.id);
        const path = `${props.section}.${i}`;
        const nodeError = props.problems?.at(path) ?? props.problems?.at(`${path}.id`);
        return (
          <div className="node" key={String(node[KEY])} data-testid={`${props.section}-${i}`}>
            <div className="node-head">
              <strong>{spec?.label ?? String(node.id)}</strong>
              <button
                type="button"
                className="secondary small"
                aria-label={`Remove ${spec?.label ?? 'this node'}`}
                onClick={() => props.onChange(props.nodes.filter((_, j) => j !== i))}
              >
                Remove
              </button>
            </div>
            {nodeError ? (
              <p className="error-text" role="alert">
                {nodeError}
              </p>
            ) : null}
            {spec && spec.fields.length > 0 ? (
              <div className="node-fields">
                {spec.fields
                  .filter((f) => !f.when || f.when(node))
                  .map((field) => (
                    <NodeInput
                      key={field.name}
                      field={field}
                      value={node[field.name]}
                      error={props.problems?.at(`${path}.${field.name}`)}
                      context={props.context}
                      node={node}
                      onChange={(value) =>
                        props.onChange(
                          props.nodes.map((n, j) => (j === i ? { ...n, [field.name]: value } : n)),
                        )
                      }
                    />
                  ))}
              </div>
            ) : null}
          </div>
        );
      })}
      <div className="add-node">
        <label>
          <span className="visually-hidden">Add to {props.title}</span>
          <select value={adding} onChange={(e) => setAdding(e.target.value)}>
            <option value="">
              Add{' '}
              {props.section === 'conditions'
                ? 'a condition'
                : props.section === 'filters'
                  ? 'a filter'
                  : 'an action'}
              …
            </option>
            {specs.map((s) => (
              <option key={s.id} value={s.id}>
                {s.label}
              </option>
            ))}
          </select>
        </label>
        <button
          type="button"
          className="secondary small"
          disabled={!adding}
          onClick={() => {
            const spec = specs.find((s) => s.id === adding);
            if (spec) props.onChange([...props.nodes, newNode(spec)]);
            setAdding('');
          }}
        >
          Add
        </button>
      </div>
    </fieldset>
  );
}

function NodeInput(props: {
  field: NodeField;
  value: unknown;
  error: string | undefined;
  context: RuleContext;
  node: Node;
  onChange: (value: unknown) => void;
}): ReactNode {
  const { field, context } = props;
  const value = props.value === undefined || props.value === null ? '' : String(props.value);
  const listId = useId();
  return (
    <Field label={field.label} error={props.error}>
      {(ids) => {
        const common = {
          id: ids.id,
          'aria-describedby': ids.describedBy,
          'aria-invalid': ids.invalid,
          value,
        };
        if (field.kind === 'select') {
          return (
            <select {...common} onChange={(e) => props.onChange(e.target.value || undefined)}>
              {field.optional ? <option value="">—</option> : null}
              {field.options?.map(([v, text]) => (
                <option key={v} value={v}>
                  {text}
                </option>
              ))}
            </select>
          );
        }
        if (field.kind === 'member-or-team') {
          const teams = props.node.targetType === 'Team';
          return (
            <select {...common} onChange={(e) => props.onChange(e.target.value || undefined)}>
              <option value="">Choose {teams ? 'a team' : 'a member'}…</option>
              {teams
                ? context.teams.map((t) => (
                    <option key={t.id} value={t.id}>
                      {t.name}
                    </option>
                  ))
                : context.members.map((m) => (
                    <option key={m.userId} value={m.userId}>
                      {m.name || m.email}
                    </option>
                  ))}
            </select>
          );
        }
        if (field.kind === 'integration') {
          const options = context.integrations.filter((i) => i.provider === field.provider);
          return (
            <select {...common} onChange={(e) => props.onChange(e.target.value || undefined)}>
              <option value="">{options.length === 0 ? 'None yet: add one' : 'Choose…'}</option>
              {options.map((i) => (
                <option key={i.id} value={i.id}>
                  {i.name}
                  {i.status !== 'active' ? ` (${i.status})` : ''}
                </option>
              ))}
            </select>
          );
        }
        return (
          <>
            <input
              {...common}
              type={field.kind === 'number' ? 'number' : 'text'}
              inputMode={field.kind === 'number' ? 'numeric' : undefined}
              placeholder={field.placeholder}
              list={field.options ? listId : undefined}
              onChange={(e) => props.onChange(e.target.value)}
            />
            {field.options ? (
              <datalist id={listId}>
                {field.options.map(([v]) => (
                  <option key={v} value={v} />
                ))}
              </datalist>
            ) : null}
          </>
        );
      }}
    </Field>
  );
}
