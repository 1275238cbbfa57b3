import type { MjmlOptions, MjmlResult } from 'mjml';

let compiler: Promise<(input: string, options?: MjmlOptions) => Promise<MjmlResult>> | undefined;

/**
 * Compiles MJML to HTML. The library is loaded with the first email Herald renders, not at start: it is
 * the largest one Herald uses (about 15 MB of heap and 0.6 s to load), and an installation that sends
 * no email never needs it.
 */
export async function compileMjml(input: string, options?: MjmlOptions): Promise<MjmlResult> {
  compiler ??= import('mjml').then((module) => module.default);
  return (await compiler)(input, options);
}
