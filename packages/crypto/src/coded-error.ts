/**
 * An error with a code a client can put in its user's words (OmemoError,
 * OxError); `message` says it in English and never holds key material or
 * plaintext.
 */
export class CodedError<Code extends string> extends Error {
  constructor(
    readonly code: Code,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
