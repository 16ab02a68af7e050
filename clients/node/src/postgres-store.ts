import { randomUUID } from "node:crypto";
import type {
  BlockedLease,
  Committed,
  EventMeta,
  Lease,
  Message,
  NotifyDisposer,
  Query,
  QueryStatsOptions,
  QueryStreams,
  QueryStreamsResult,
  Schema,
  Schemas,
  Store,
  StoreNotification,
  StreamFilter,
  StreamPosition,
  StreamStats,
  SubscribeInput,
  SubscribeResult,
  TruncateResult,
} from "@rotorsoft/act";
import { dateReviver } from "@rotorsoft/act";
import pg from "pg";
import { type Config, channel, poolConfig, resolve } from "./config.js";
import { mapError } from "./errors.js";
import { Listener } from "./listener.js";
import * as rows from "./rows.js";
import { SQL } from "./sql.js";

/**
 * Parsers of this store's connections (not node-postgres' global ones):
 * bigint ids and counts as numbers, and JSON with the framework's date
 * reviver, so that dates in payloads come back as Date as the Store
 * contract asks.
 */
const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: string) => {
    if (oid === pg.types.builtins.INT8) return (v: string) => Number(v);
    if (oid === pg.types.builtins.JSONB || oid === pg.types.builtins.JSON)
      return (v: string) => JSON.parse(v, dateReviver);
    return pg.types.getTypeParser(oid, format as "text");
  }) as pg.CustomTypesConfig["getTypeParser"],
};

type Filter = string[] | StreamFilter;

/** The filter arguments of act.reset/unblock/prioritize/query_streams. */
const filterArgs = (input: Filter) =>
  Array.isArray(input)
    ? [input, null, false, null, false, null, null]
    : [
        null,
        input.stream ?? null,
        input.stream_exact ?? false,
        input.source ?? null,
        input.source_exact ?? false,
        input.blocked ?? null,
        input.lane ?? null,
      ];

/**
 * The act framework's `Store` over act_pg: each method is one call of an
 * act_pg function (see `sql.ts`); the store's logic (concurrency, leases,
 * watermarks, ordering) runs in the server. Takes the configuration of
 * the framework's own PostgresStore.
 */
export class PostgresStore implements Store {
  readonly config: Config;
  private readonly pool: pg.Pool;
  /** `schema.table`: the value of act.store for every call. */
  private readonly store: string;
  /** This instance's act.writer: notifications of its own commits carry it. */
  private readonly writer: string = randomUUID();
  private readonly listeners = new Set<Listener>();

  /**
   * Cross-process commit notifications, present only with
   * `config.notify` (the framework wires it when the method exists).
   */
  notify?: (handler: (notification: StoreNotification) => void) => Promise<NotifyDisposer>;

  constructor(config: Partial<Config> = {}) {
    this.config = resolve(config);
    this.pool = new pg.Pool({ ...poolConfig(this.config), types });
    // An idle client's error (e.g. the server ended it) must not crash the process.
    this.pool.on("error", () => {});
    this.store = `${this.config.schema}.${this.config.table}`;
    if (this.config.notify) this.notify = (handler) => this.listen(handler);
  }

  /** One statement, its errors mapped to the framework's. */
  private async call<R extends pg.QueryResultRow>(
    operation: keyof typeof SQL,
    values: unknown[],
    payload: unknown = values,
    commit?: Parameters<typeof mapError>[3],
  ): Promise<R[]> {
    try {
      const text = SQL[operation] as string;
      // Unnamed unless asked: a transaction-mode pooler may hand each
      // statement to another server connection, where a named one was
      // never prepared.
      const query = this.config.prepare ? { name: `act_pg_${operation}`, text, values } : { text, values };
      return (await this.pool.query<R>(query)).rows;
    } catch (error) {
      throw mapError(operation, error, payload, commit);
    }
  }

  async seed(): Promise<void> {
    await this.call("seed", [this.config.schema, this.config.table, this.config.notify]);
  }

  async drop(): Promise<void> {
    await this.call("drop", [this.config.schema, this.config.table]);
  }

  async dispose(): Promise<void> {
    await Promise.all([...this.listeners].map((l) => l.close()));
    this.listeners.clear();
    await this.pool.end();
  }

  async commit<E extends Schemas>(
    stream: string,
    msgs: Message<E, keyof E>[],
    meta: EventMeta,
    expectedVersion?: number,
  ): Promise<Committed<E, keyof E>[]> {
    const events = msgs.map(({ name, data, pii }) =>
      pii == null ? { name, data } : { name, data, pii },
    );
    const found = await this.call<rows.EventRow>(
      "commit",
      [this.store, this.writer, stream, JSON.stringify(events), JSON.stringify(meta), expectedVersion ?? null],
      { stream, msgs, meta, expectedVersion },
      { stream, msgs: msgs as Message<Schemas, keyof Schemas>[], expected: expectedVersion },
    );
    return found.map((r) => rows.event<E>(r));
  }

  async query<E extends Schemas>(
    callback: (event: Committed<E, keyof E>) => void,
    query?: Query,
  ): Promise<number> {
    const q = query ?? {};
    const found = await this.call<rows.EventRow>("query", [
      this.store,
      q.stream ?? null,
      q.stream_exact ?? false,
      q.names ?? null,
      q.after ?? null,
      q.before ?? null,
      q.created_after ?? null,
      q.created_before ?? null,
      q.correlation ?? null,
      q.limit || null, // the framework's stores read 0 as no limit
      q.backward ?? false,
      q.with_snaps ?? false,
    ]);
    for (const r of found) await Promise.resolve(callback(rows.event<E>(r)));
    return found.length;
  }

  async claim(
    lagging: number,
    leading: number,
    by: string,
    millis: number,
    lane?: string,
  ): Promise<Lease[]> {
    const found = await this.call<Parameters<typeof rows.lease>[0]>("claim", [
      this.store,
      lagging,
      leading,
      by,
      millis,
      lane ?? null,
    ]);
    return found.map(rows.lease);
  }

  async subscribe(
    streams: SubscribeInput[],
    correlated_at?: number,
    correlator?: { key: string; by: string; millis: number },
  ): Promise<SubscribeResult> {
    const [r] = await this.call<SubscribeResult & { correlating: boolean | null }>("subscribe", [
      this.store,
      JSON.stringify(streams),
      correlated_at ?? null,
      correlator ? JSON.stringify(correlator) : null,
    ]);
    return {
      subscribed: r.subscribed,
      watermark: r.watermark,
      correlated_at: r.correlated_at,
      ...(r.correlating === null ? {} : { correlating: r.correlating }),
    };
  }

  async ack(leases: Lease[]): Promise<Lease[]> {
    const found = await this.call<Parameters<typeof rows.lease>[0]>("ack", [
      this.store,
      JSON.stringify(leases),
    ]);
    return found.map(rows.lease);
  }

  async block(leases: BlockedLease[]): Promise<BlockedLease[]> {
    const found = await this.call<Parameters<typeof rows.blocked>[0]>("block", [
      this.store,
      JSON.stringify(leases),
    ]);
    return found.map(rows.blocked);
  }

  async defer(input: Filter, deferred_at: number): Promise<number> {
    const [r] = await this.call<{ n: number }>("defer", [
      this.store,
      new Date(deferred_at),
      ...filterArgs(input),
    ]);
    return r.n;
  }

  async reset(input: Filter): Promise<number> {
    const [r] = await this.call<{ n: number }>("reset", [this.store, ...filterArgs(input)]);
    return r.n;
  }

  async unblock(input: Filter): Promise<number> {
    const [r] = await this.call<{ n: number }>("unblock", [this.store, ...filterArgs(input)]);
    return r.n;
  }

  async prioritize(filter: StreamFilter, priority: number): Promise<number> {
    const [r] = await this.call<{ n: number }>("prioritize", [
      this.store,
      priority,
      ...filterArgs(filter),
    ]);
    return r.n;
  }

  async query_streams(
    callback: (position: StreamPosition) => void,
    query?: QueryStreams,
  ): Promise<QueryStreamsResult> {
    const q = query ?? {};
    const found = await this.call<Parameters<typeof rows.position>[0] & { max_event_id: number }>(
      "query_streams",
      [this.store, ...filterArgs(q), q.after ?? null, q.limit ?? 100, q.source_matches ?? null],
    );
    let count = 0;
    for (const r of found) {
      if (r.stream === null) continue; // the LEFT JOIN's row when nothing matched
      callback(rows.position(r));
      count++;
    }
    return { maxEventId: found[0].max_event_id, count };
  }

  async query_stats<E extends Schemas>(
    input: string[] | Pick<StreamFilter, "stream" | "stream_exact">,
    options?: QueryStatsOptions<E>,
  ): Promise<Map<string, StreamStats<E>>> {
    const o = options ?? {};
    const list = Array.isArray(input);
    const found = await this.call<Parameters<typeof rows.stats>[0]>("query_stats", [
      this.store,
      list ? input : null,
      list ? null : (input.stream ?? null),
      list ? false : (input.stream_exact ?? false),
      o.tail ?? false,
      o.count ?? false,
      o.names ?? false,
      o.exclude ?? null,
      o.before ?? null,
      o.after ?? null,
      o.limit ?? null,
    ]);
    return new Map(found.map((r) => [r.stream, rows.stats<E>(r)]));
  }

  async truncate(
    targets: Array<{
      stream: string;
      snapshot?: Schema;
      meta?: EventMeta;
      before?: Date;
      max_id?: number;
    }>,
  ): Promise<TruncateResult> {
    const found = await this.call<{ stream: string; deleted: number; committed: rows.EventRow; before: Date | null }>(
      "truncate",
      [this.store, this.writer, JSON.stringify(targets)],
      targets,
    );
    return new Map(
      found.map((r) => [
        r.stream,
        {
          deleted: r.deleted,
          committed: rows.event(r.committed),
          ...(r.before === null ? {} : { before: r.before }),
        },
      ]),
    );
  }

  async forget_pii(stream: string): Promise<number> {
    const [r] = await this.call<{ n: number }>("forget_pii", [this.store, stream]);
    return r.n;
  }

  private async listen(
    handler: (notification: StoreNotification) => void,
  ): Promise<NotifyDisposer> {
    const listener = new Listener(
      poolConfig(this.config),
      channel(this.config),
      this.writer,
      handler,
    );
    await listener.ready;
    this.listeners.add(listener);
    return async () => {
      this.listeners.delete(listener);
      await listener.close();
    };
  }
}
