import { ConcurrencyError, StoreError, ValidationError } from "@rotorsoft/act";
import type { Message, Schemas } from "@rotorsoft/act";

/** act_pg's SQLSTATE for a commit whose expected version is not the stream's. */
export const CONCURRENCY = "AC001";

/**
 * SQLSTATEs of input that act_pg refuses: the caller's mistake, so the
 * framework's ValidationError (README, "SQLSTATEs").
 */
export const INVALID_INPUT: ReadonlySet<string> = new Set([
  "22023", // invalid_parameter_value: malformed input
  "22004", // null_value_not_allowed
  "22P05", // untranslatable_character: \u0000 in JSON
  "22P02", // invalid_text_representation: malformed JSON text
  "2201B", // invalid_regular_expression
  "42602", // invalid_name: a store or schema name that is not a plain identifier
  "54001", // statement_too_complex: JSON nested too deeply
]);

type PgError = Error & { code?: string; detail?: string; hint?: string };

/**
 * The framework's error for an error of `operation`: ConcurrencyError for
 * AC001, ValidationError for invalid input, StoreError (with the driver's
 * error as its cause) for everything else: connection loss, a missing
 * store, a refused privilege, a timeout.
 */
export function mapError(
  operation: string,
  error: unknown,
  payload: unknown,
  commit?: { stream: string; msgs: Message<Schemas, keyof Schemas>[]; expected?: number },
): Error {
  const e = error as PgError;
  if (e?.code === CONCURRENCY && commit) {
    // act_pg's message: ... expected version E, actual A
    const actual = Number(/actual (-?\d+)/.exec(e.message)?.[1] ?? Number.NaN);
    return new ConcurrencyError(commit.stream, actual, commit.msgs, commit.expected ?? -1);
  }
  if (e?.code && INVALID_INPUT.has(e.code))
    return new ValidationError(operation, payload, {
      code: e.code,
      message: e.message,
      detail: e.detail,
      hint: e.hint,
    });
  return new StoreError(operation, { cause: error });
}
