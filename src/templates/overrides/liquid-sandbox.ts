import { Liquid, LiquidError, type Template } from 'liquidjs';
import { translator } from '../i18n/translator.js';
import { PART_ESCAPES, type PartEscape } from './template-parts.js';

/** Resource limits of one template; a template past them fails instead of slowing Herald down. */
export const LIQUID_LIMITS = {
  /** Characters of one part's source. */
  parseLimit: 65_536,
  /** Milliseconds of one render. */
  renderLimit: 250,
  /** Roughly: string and array allocations of one render. */
  memoryLimit: 5_000_000,
} as const;

/** Where a template is wrong: 1-based line and column, and what is wrong. */
export interface LiquidProblem {
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

/** A part's template failed to parse or render; `problem` locates it when Liquid could. */
export class TemplateError extends Error {
  readonly problem: LiquidProblem | undefined;
  /** The part it happened in (`html`, `blocks`, …), once known. */
  readonly part: string | undefined;

  constructor(message: string, options: { problem?: LiquidProblem; part?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'TemplateError';
    this.problem = options.problem;
    this.part = options.part;
  }
}

const engines = new Map<PartEscape, Liquid>();

/**
 * The engine of one escape mode. `templates: {}` routes every include, render and layout lookup to an
 * empty in-memory map, so no template can read a file; `ownPropertyOnly` hides prototypes.
 */
function engine(mode: PartEscape): Liquid {
  const known = engines.get(mode);
  if (known) return known;
  const esc = PART_ESCAPES[mode];
  const liquid = new Liquid({
    templates: {},
    ownPropertyOnly: true,
    strictFilters: true,
    parseLimit: LIQUID_LIMITS.parseLimit,
    renderLimit: LIQUID_LIMITS.renderLimit,
    memoryLimit: LIQUID_LIMITS.memoryLimit,
    outputEscape: (value: unknown) => esc(value === null || value === undefined ? '' : String(value)),
  });
  // Dates of payloads are ISO strings; `localtime` shows one in the recipient's zone and language.
  liquid.registerFilter('localtime', function (this: { context: { environments: unknown } }, value: unknown) {
    const scope = this.context.environments as { locale?: unknown; timeZone?: unknown };
    const ms = typeof value === 'number' ? value : Date.parse(String(value));
    if (Number.isNaN(ms)) return String(value ?? '');
    return translator(String(scope.locale ?? 'en'), String(scope.timeZone ?? 'UTC')).dateTime(ms);
  });
  engines.set(mode, liquid);
  return liquid;
}

function problemOf(error: unknown): LiquidProblem | undefined {
  if (!(error instanceof LiquidError)) return undefined;
  const token = (error as LiquidError & { token?: { getPosition?: () => [number, number] } }).token;
  const [line, column] = token?.getPosition?.() ?? [];
  const message = error.message.replace(/, line:\d+, col:\d+$/, '');
  return line !== undefined && column !== undefined ? { line, column, message } : undefined;
}

function describe(error: unknown): string {
  const problem = problemOf(error);
  if (problem) return `line ${problem.line}, column ${problem.column}: ${problem.message}`;
  return error instanceof Error ? error.message : String(error);
}

/** Parses a part's source; throws {@link TemplateError} with line and column on a syntax error. */
export function parseTemplate(source: string, mode: PartEscape): Template[] {
  try {
    return engine(mode).parse(source);
  } catch (error) {
    throw new TemplateError(describe(error), { problem: problemOf(error), cause: error });
  }
}

/** Renders a part with `scope`; every `{{ output }}` is escaped for the part's markup. */
export async function renderTemplate(source: string, mode: PartEscape, scope: object): Promise<string> {
  const parsed = parseTemplate(source, mode);
  try {
    return String(await engine(mode).render(parsed, scope));
  } catch (error) {
    throw new TemplateError(describe(error), { problem: problemOf(error), cause: error });
  }
}
