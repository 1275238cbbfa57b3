import { type ReactNode, useEffect, useState } from 'react';
import { describeError } from '../api';
import { Link, usePath } from '../router';
import { CHANNELS, type Channel, type Org, type TemplateOverride } from '../types';
import { Loading, label, Notice, PageHeader } from '../ui';
import { listOverrides, notificationTypes, typeLabel } from './template-api';
import { TemplateEditor } from './template-editor';

/**
 * The organization's templates: every notification type on every channel, and which of them it
 * overrides in Liquid (`/templates`); one of them opens in the editor (`/templates/{type}/{channel}`).
 * Everyone in the organization reads them; its owners and admins (`manage`) change them.
 */
export function TemplatesPage(props: { token: string; org: Org; manage: boolean }): ReactNode {
  const path = usePath();
  const chosen = /^\/templates\/([^/]+)\/([^/]+)\/?$/.exec(path);
  const channel = CHANNELS.find((c) => c === chosen?.[2]);
  if (chosen && channel) {
    let type = chosen[1]!;
    try {
      type = decodeURIComponent(type);
    } catch {
      // Not percent-encoding: the type as written, which the editor then says it does not know.
    }
    return <TemplateEditor key={path} {...props} type={type} channel={channel} />;
  }
  return <TemplateList {...props} />;
}

/** Whether each type × channel has an override: `${type}/${channel}` → its parts, or null. */
type Overrides = ReadonlyMap<string, TemplateOverride | null>;

function TemplateList(props: { token: string; org: Org; manage: boolean }): ReactNode {
  const { token, org, manage } = props;
  const [types, setTypes] = useState<readonly string[] | null>(null);
  const [overrides, setOverrides] = useState<Overrides | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    (async () => {
      const [found, stored] = await Promise.all([notificationTypes(token), listOverrides(token, org)]);
      if (!live) return;
      const byKey = new Map(stored.map((o) => [`${o.type}/${o.channel}`, o]));
      const pairs = found.flatMap((type) => CHANNELS.map((channel) => [type, channel] as const));
      setTypes(found);
      setOverrides(
        new Map(
          pairs.map(([type, channel]) => [`${type}/${channel}`, byKey.get(`${type}/${channel}`) ?? null]),
        ),
      );
    })().catch((e: unknown) => {
      if (live) setError(describeError(e));
    });
    return () => {
      live = false;
    };
  }, [token, org]);

  return (
    <section aria-labelledby="page-title">
      <PageHeader title="Templates">
        How each notification reads on each channel. Herald renders every type itself; {org.name} may override
        parts of a type's message in Liquid, per channel, and the other parts keep Herald's rendering.
      </PageHeader>
      {manage ? null : (
        <p className="muted">
          You read and preview this organization's templates; its owners and admins change them.
        </p>
      )}
      {error ? <Notice kind="error">{error}</Notice> : null}
      {types === null || overrides === null ? (
        error ? null : (
          <Loading what="templates" />
        )
      ) : (
        <div className="table-wrap">
          <table className="matrix template-matrix">
            <caption className="visually-hidden">
              Templates by notification type and channel: overridden by the organization, or Herald's default.
              Each opens in the editor.
            </caption>
            <thead>
              <tr>
                <th scope="col">Type</th>
                {CHANNELS.map((channel) => (
                  <th scope="col" key={channel}>
                    {label(channel)}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {types.map((type) => (
                <tr key={type}>
                  <th scope="row">{typeLabel(type)}</th>
                  {CHANNELS.map((channel) => (
                    <td key={channel} data-label={label(channel)} data-testid={`template-${type}-${channel}`}>
                      <TemplateCell type={type} channel={channel} overrides={overrides} />
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function TemplateCell(props: { type: string; channel: Channel; overrides: Overrides }): ReactNode {
  const { type, channel } = props;
  const found = props.overrides.get(`${type}/${channel}`);
  const name = `${typeLabel(type)} by ${label(channel)}`;
  return (
    <>
      <Link to={`/templates/${encodeURIComponent(type)}/${channel}`}>
        {found ? 'Overridden' : 'Default'}
        <span className="visually-hidden">: {name}</span>
      </Link>
      {found ? <small className="source">{Object.keys(found.parts).join(', ')}</small> : null}
    </>
  );
}
