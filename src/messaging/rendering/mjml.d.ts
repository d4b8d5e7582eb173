// mjml 5 ships no type declarations; this covers the part Tidings uses.
declare module 'mjml' {
  interface MjmlValidationError {
    line: number;
    message: string;
    tagName: string;
    formattedMessage: string;
  }
  interface MjmlOptions {
    validationLevel?: 'strict' | 'soft' | 'skip';
    fonts?: Record<string, string>;
    keepComments?: boolean;
    minify?: boolean;
    beautify?: boolean;
    filePath?: string;
  }
  interface MjmlResult {
    html: string;
    errors: MjmlValidationError[];
  }
  function mjml2html(input: string, options?: MjmlOptions): Promise<MjmlResult>;
  export = mjml2html;
}
