/**
 * Base class of every error Chronicle raises. Callers branch on `code`, a stable
 * string, never on the message. Structured details are readonly fields of the
 * subclass; `toJSON()` returns them for logs and problem responses.
 */
export abstract class ChronicleError extends Error {
  /** Stable machine-readable code, e.g. `WRONG_EXPECTED_VERSION`. */
  abstract readonly code: string;
  /** True when repeating the same operation later may succeed (transient failures). */
  readonly retryable: boolean = false;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }

  /** Code, message and the subclass's own fields, safe to serialize. */
  toJSON(): Record<string, unknown> {
    const fields: Record<string, unknown> = { code: this.code, message: this.message };
    for (const [key, value] of Object.entries(this)) {
      if (key === 'cause' || key === 'stack' || typeof value === 'function') continue;
      fields[key] = value;
    }
    return fields;
  }
}

/** True when `error` is a Chronicle error, optionally with the given code. */
export function isChronicleError(error: unknown, code?: string): error is ChronicleError {
  return error instanceof ChronicleError && (code === undefined || error.code === code);
}
