/**
 * Structural validation of Adaptive Cards before they are sent: Teams answers a broken card with a
 * generic error or renders nothing, so problems are caught here with a path to the bad node.
 */

type Node = Record<string, unknown>;
type Check = (node: Node, path: string, problems: string[]) => void;

const isObject = (v: unknown): v is Node => typeof v === 'object' && v !== null && !Array.isArray(v);

function requireString(node: Node, key: string, path: string, problems: string[]): void {
  if (typeof node[key] !== 'string' || node[key] === '')
    problems.push(`${path}.${key} must be a non-empty string`);
}

function list(
  node: Node,
  key: string,
  path: string,
  problems: string[],
  each: (v: unknown, p: string) => void,
  required = true,
) {
  const value = node[key];
  if (value === undefined && !required) return;
  if (!Array.isArray(value)) return void problems.push(`${path}.${key} must be an array`);
  for (const [i, v] of value.entries()) each(v, `${path}.${key}[${i}]`);
}

const ELEMENTS: Record<string, Check> = {
  TextBlock: (n, p, out) => requireString(n, 'text', p, out),
  RichTextBlock: (n, p, out) => list(n, 'inlines', p, out, () => undefined),
  Image: (n, p, out) => requireString(n, 'url', p, out),
  ImageSet: (n, p, out) => list(n, 'images', p, out, (v, q) => element(v, q, out)),
  FactSet: (n, p, out) =>
    list(n, 'facts', p, out, (v, q) => {
      if (!isObject(v)) return void out.push(`${q} must be an object`);
      requireString(v, 'title', q, out);
      if (typeof v['value'] !== 'string') out.push(`${q}.value must be a string`);
    }),
  Container: (n, p, out) => list(n, 'items', p, out, (v, q) => element(v, q, out)),
  ColumnSet: (n, p, out) =>
    list(
      n,
      'columns',
      p,
      out,
      (v, q) => {
        if (!isObject(v) || (v['type'] !== undefined && v['type'] !== 'Column'))
          return void out.push(`${q} must be a Column`);
        list(v, 'items', q, out, (w, r) => element(w, r, out), false);
      },
      false,
    ),
  ActionSet: (n, p, out) => list(n, 'actions', p, out, (v, q) => action(v, q, out)),
  Table: (n, p, out) => list(n, 'rows', p, out, () => undefined, false),
};

const ACTIONS: Record<string, Check> = {
  'Action.OpenUrl': (n, p, out) => requireString(n, 'url', p, out),
  'Action.Submit': () => undefined,
  'Action.Execute': () => undefined,
  'Action.ToggleVisibility': () => undefined,
  'Action.ShowCard': (n, p, out) =>
    isObject(n['card']) ? card(n['card'], `${p}.card`, out) : out.push(`${p}.card is required`),
};

function element(value: unknown, path: string, problems: string[]): void {
  if (!isObject(value)) return void problems.push(`${path} must be an object`);
  const check = typeof value['type'] === 'string' ? ELEMENTS[value['type']] : undefined;
  if (!check)
    return void problems.push(`${path}.type ${JSON.stringify(value['type'])} is not a card element`);
  check(value, path, problems);
}

function action(value: unknown, path: string, problems: string[]): void {
  if (!isObject(value)) return void problems.push(`${path} must be an object`);
  const check = typeof value['type'] === 'string' ? ACTIONS[value['type']] : undefined;
  if (!check) return void problems.push(`${path}.type ${JSON.stringify(value['type'])} is not a card action`);
  check(value, path, problems);
}

function card(value: Node, path: string, problems: string[]): void {
  if (value['type'] !== 'AdaptiveCard') problems.push(`${path}.type must be "AdaptiveCard"`);
  const version = value['version'];
  if (typeof version !== 'string' || !/^1\.[0-5]$/.test(version))
    problems.push(`${path}.version must be 1.0 to 1.5`);
  list(value, 'body', path, problems, (v, q) => element(v, q, problems), path !== 'card');
  list(value, 'actions', path, problems, (v, q) => action(v, q, problems), false);
}

/** Lists what is wrong with an Adaptive Card; an empty list means Teams can render it. */
export function validateAdaptiveCard(value: unknown): string[] {
  const problems: string[] = [];
  if (!isObject(value)) return ['card must be an object'];
  card(value, 'card', problems);
  return problems;
}
