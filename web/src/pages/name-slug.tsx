import { type ReactNode, useState } from 'react';
import type { ApiError } from '../api';
import { Field } from '../ui';

/** A slug made from a name: lower-case ASCII letters and digits, other runs of characters a dash. */
export function slugFrom(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64);
}

/**
 * The name and slug an organization, a project or a team is created with. The slug follows the name until
 * it is typed in itself: most people want the one the name gives, and whoever types one keeps it.
 */
export function useNameAndSlug(initialName = '') {
  const [name, setName] = useState(initialName);
  const [slug, setSlug] = useState(() => slugFrom(initialName));
  const [slugTyped, setSlugTyped] = useState(false);
  return {
    name,
    slug,
    setName(value: string) {
      setName(value);
      if (!slugTyped) setSlug(slugFrom(value));
    },
    setSlug(value: string) {
      setSlug(value);
      setSlugTyped(value !== '');
    },
    /** The body's `slug`, and its `name` when one is given (the API names it after the slug otherwise). */
    body(): { slug: string; name?: string } {
      return name.trim() ? { slug: slug.trim(), name: name.trim() } : { slug: slug.trim() };
    },
  };
}

/** The two fields of {@link useNameAndSlug}, with the API's problems at them. */
export function NameSlugFields(props: {
  value: ReturnType<typeof useNameAndSlug>;
  problems: ApiError | null;
  nameHint: string;
  slugHint: string;
}): ReactNode {
  const { value, problems } = props;
  return (
    <div className="grid-2">
      <Field label="Name" error={problems?.at('name')} hint={props.nameHint}>
        {(ids) => (
          <input
            id={ids.id}
            value={value.name}
            onChange={(e) => value.setName(e.target.value)}
            maxLength={200}
            aria-describedby={ids.describedBy}
            aria-invalid={ids.invalid}
          />
        )}
      </Field>
      <Field label="Slug" error={problems?.at('slug')} hint={props.slugHint}>
        {(ids) => (
          <input
            id={ids.id}
            value={value.slug}
            onChange={(e) => value.setSlug(e.target.value)}
            maxLength={64}
            autoComplete="off"
            autoCapitalize="off"
            spellCheck={false}
            aria-describedby={ids.describedBy}
            aria-invalid={ids.invalid}
          />
        )}
      </Field>
    </div>
  );
}
