/**
 * The one statement each Store method sends: a reference card.
 *
 * `$1` is always the store (`schema.table`). It is set with
 * `set_config('act.store', $1, true)` inside the first argument of the
 * act_pg call, so the setting is made before the function runs (a
 * function's arguments are evaluated before its body) and lasts only for
 * the statement's own transaction: each statement works alone through a
 * transaction-mode pooler and leaves nothing on the connection. Writes that
 * notify also set `act.writer` ($2) the same way, so that listeners can
 * skip their own commits.
 */

const STORE = "set_config('act.store', $1, true) AS store";
const WRITER = "set_config('act.writer', $2, true) AS writer";

/** `$n` of type `type`, read after the store is selected. */
const scoped = (n: number, type: string) => `(SELECT $${n}::${type} FROM ${STORE})`;

/** Columns of act.event, act.lease and act.subscription, as the client maps them. */
const EVENT = "id, name, data, stream, version, created, meta, pii";
const LEASE = "stream, source, at, by, retry, lagging, lane";
const POSITION = "stream, source, at, retry, blocked, error, leased_by, leased_until, priority, lane";

/**
 * The subscription filter of reset, unblock, prioritize and query_streams
 * from `$n` on: `streams` (`$n`), `stream`, `stream_exact`, `source`,
 * `source_exact`, `blocked`, `lane`. `first` is the expression of its first
 * argument.
 */
const FILTER = ["streams", "stream", "stream_exact", "source", "source_exact", "blocked", "lane"];
const TYPES = ["text[]", "text", "boolean", "text", "boolean", "boolean", "text"];
const filter = (n: number, scope: boolean) =>
  FILTER.map((name, i) =>
    `${name} => ${scope && i === 0 ? scoped(n, TYPES[i]) : `$${n + i}::${TYPES[i]}`}`,
  ).join(", ");

export const SQL = {
  seed: "SELECT act.seed($1::name, $2::name, $3::boolean)",
  drop: "SELECT act.drop($1::name, $2::name)",

  commit:
    `SELECT ${EVENT} FROM act.commit((SELECT $3::text FROM ${STORE}, ${WRITER}), ` +
    `$4::text, $5::text, $6::int)`,

  query:
    `SELECT ${EVENT} FROM act.query(stream => ${scoped(2, "text")}, ` +
    `stream_exact => $3::boolean, names => $4::text[], after => $5::bigint, before => $6::bigint, ` +
    `created_after => $7::timestamptz, created_before => $8::timestamptz, correlation => $9::text, ` +
    `max_rows => $10::int, backward => $11::boolean, with_snaps => $12::boolean)`,

  claim: `SELECT ${LEASE} FROM act.claim(${scoped(2, "int")}, $3::int, $4::text, $5::int, $6::text)`,
  subscribe:
    `SELECT subscribed, watermark, correlated_at, correlating ` +
    `FROM act.subscribe(${scoped(2, "jsonb")}, $3::bigint, $4::jsonb)`,
  ack: `SELECT ${LEASE} FROM act.ack(${scoped(2, "jsonb")})`,
  block: `SELECT ${LEASE}, error FROM act.block(${scoped(2, "jsonb")})`,

  reset: `SELECT act.reset(${filter(2, true)}) AS n`,
  unblock: `SELECT act.unblock(${filter(2, true)}) AS n`,
  prioritize: `SELECT act.prioritize(priority => ${scoped(2, "int")}, ${filter(3, false)}) AS n`,
  defer: `SELECT act.defer(deferred_at => ${scoped(2, "timestamptz")}, ${filter(3, false)}) AS n`,

  /**
   * The positions, and the store's highest event id even when no position
   * matches: the LEFT JOIN gives one row of NULLs then, and the id is read
   * once (an InitPlan) after query_streams selected the store.
   */
  query_streams:
    `SELECT (SELECT act.max_event_id()) AS max_event_id, s.* FROM (VALUES (1)) AS one(x) ` +
    `LEFT JOIN LATERAL act.query_streams(${filter(2, true)}, after => $9::text, max_rows => $10::int, ` +
    `source_matches => $11::text[]) s ` +
    `ON true`,

  /** head and tail as JSON: composite values have no node-postgres parser. */
  query_stats:
    `SELECT stream, to_jsonb(head) AS head, to_jsonb(tail) AS tail, count, names FROM act.query_stats(` +
    `streams => ${scoped(2, "text[]")}, stream => $3::text, stream_exact => $4::boolean, ` +
    `tail => $5::boolean, count => $6::boolean, names => $7::boolean, exclude => $8::text[], ` +
    `before => $9::bigint, after => $10::text, max_rows => $11::int)`,

  truncate:
    `SELECT stream, deleted, to_jsonb(committed) AS committed, before FROM act.truncate(` +
    `(SELECT $3::jsonb FROM ${STORE}, ${WRITER}))`,

  forget_pii: `SELECT act.forget_pii(${scoped(2, "text")}) AS n`,

  /** The notification channel's LISTEN runs on its own connection. */
  listen: (channel: string) => `LISTEN "${channel.replaceAll('"', '""')}"`,
} as const;
