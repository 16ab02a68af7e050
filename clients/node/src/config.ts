import type pg from "pg";

/**
 * The configuration of the act framework's own PostgresStore: the store's
 * `schema` and `table`, `notify`, and every node-postgres pool setting
 * (`host`, `port`, `database`, `user`, `password`, `max`,
 * `idleTimeoutMillis`, ...).
 */
export type Config = Readonly<{
  /** Schema of the act_pg store (default `public`). */
  schema: string;
  /** Events table of the act_pg store (default `events`). */
  table: string;
  /**
   * Cross-process commit notifications: `seed()` creates the store with
   * act_pg's `notify`, and the instance gets a `notify(handler)` method
   * that LISTENs on the store's channel. Off by default, as in the
   * framework's store.
   */
  notify?: boolean;
  /**
   * Keep each method's statement prepared on every connection (named
   * statements: about 50-200 us less per call, bench/client.sh). Off by
   * default, so that the store works through any transaction-mode pooler;
   * turn it on for direct connections, session pooling, or a pooler that
   * tracks prepared statements (PgBouncer 1.21+ with max_prepared_statements).
   */
  prepare?: boolean;
}> &
  pg.PoolConfig;

const env = process.env;

function int(value: string | undefined): number | undefined {
  return value === undefined || value === "" ? undefined : Number.parseInt(value, 10);
}

/**
 * The effective configuration: what the caller gave, else the PG*
 * environment variables, else the framework store's defaults
 * (localhost:5432, database, user and password `postgres`, store
 * `public.events`).
 */
export function resolve(config: Partial<Config>): Config {
  return {
    ...config,
    host: config.host ?? env.PGHOST ?? "localhost",
    port: config.port ?? int(env.PGPORT) ?? 5432,
    database: config.database ?? env.PGDATABASE ?? "postgres",
    user: config.user ?? env.PGUSER ?? "postgres",
    password: config.password ?? env.PGPASSWORD ?? "postgres",
    max: config.max ?? int(env.PGMAXCONNECTIONS),
    idleTimeoutMillis: config.idleTimeoutMillis ?? int(env.PGIDLETIMEOUT),
    schema: config.schema ?? "public",
    table: config.table ?? "events",
    notify: config.notify ?? false,
    prepare: config.prepare ?? false,
  };
}

/** The pool's part of the configuration (what node-postgres takes). */
export function poolConfig(config: Config): pg.PoolConfig {
  const { schema: _schema, table: _table, notify: _notify, prepare: _prepare, ...pool } = config;
  return pool;
}

/**
 * act_pg's notification channel of a store: `act_commit_<schema>_<table>`,
 * cut to 63 bytes as PostgreSQL cuts identifiers.
 */
export function channel(config: Config): string {
  const name = Buffer.from(`act_commit_${config.schema}_${config.table}`);
  return name.subarray(0, 63).toString();
}
