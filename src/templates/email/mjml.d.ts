/** The part of MJML 5's API Herald calls; the package ships no type declarations. */
declare module 'mjml' {
  /** Options of one MJML compilation. */
  export interface MjmlOptions {
    readonly validationLevel?: 'strict' | 'soft' | 'skip';
    readonly keepComments?: boolean;
    readonly minify?: boolean;
    readonly beautify?: boolean;
  }
  /** One problem MJML found in the source. */
  export interface MjmlError {
    readonly line: number;
    readonly message: string;
    readonly tagName: string;
    readonly formattedMessage: string;
  }
  /** The compiled document. */
  export interface MjmlResult {
    readonly html: string;
    readonly errors: readonly MjmlError[];
  }
  /** Compiles MJML to responsive HTML; asynchronous since MJML 5. */
  export default function mjml2html(input: string, options?: MjmlOptions): Promise<MjmlResult>;
}
