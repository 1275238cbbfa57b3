import type { ReactNode } from 'react';
import { type Channel, TEMPLATE_PARTS, type TemplatePreview } from '../types';
import { Notice } from '../ui';

/**
 * A rendered preview: each field of the channel's content under its name. The email's HTML is shown in
 * a frame with every sandbox restriction (no scripts, its own origin, no forms or popups), never in the
 * page; text is shown as text and anything else as JSON.
 */
export function TemplatePreviewCard(props: {
  channel: Channel;
  preview: TemplatePreview;
  /** The parts changed since it was rendered. */
  stale: boolean;
}): ReactNode {
  const { channel, preview } = props;
  const nameOf = (key: string) => TEMPLATE_PARTS[channel].find((p) => p.name === key)?.label ?? key;
  return (
    <section className="card template-preview" aria-labelledby="preview-title" data-testid="template-preview">
      <h2 id="preview-title">Preview</h2>
      <p className="muted small">
        {preview.overridden
          ? 'With these parts, rendered with sample data.'
          : 'Herald’s built-in rendering, with sample data.'}
      </p>
      {props.stale ? (
        <Notice kind="info">The parts changed since this preview: preview again to see them.</Notice>
      ) : null}
      {Object.entries(preview.content).map(([key, value]) => (
        <div key={key} data-testid={`preview-${key}`}>
          <h3>{nameOf(key)}</h3>
          {channel === 'email' && key === 'html' && typeof value === 'string' ? (
            <iframe title="Email HTML preview" sandbox="" srcDoc={value} />
          ) : (
            <pre>{typeof value === 'string' ? value : JSON.stringify(value, null, 2)}</pre>
          )}
        </div>
      ))}
    </section>
  );
}
