import pg from "pg";
import { PostgresStore } from "../src/index.js";
import type { Config } from "../src/index.js";

/**
 * The test database comes from the PG* environment (pg_virtualenv sets
 * them). act_pg is installed there once per test file.
 */
export async function extension(): Promise<void> {
  const client = new pg.Client();
  await client.connect();
  try {
    await client.query("CREATE EXTENSION IF NOT EXISTS act_pg");
  } finally {
    await client.end();
  }
}

/** A new, empty store in its own schema. */
export async function fresh(schema: string, config: Partial<Config> = {}): Promise<PostgresStore> {
  await extension();
  const store = new PostgresStore({ schema, table: "events", ...config });
  await store.seed();
  await store.drop();
  await store.seed();
  return store;
}

/** One SQL statement on a connection of its own (for checks the Store cannot make). */
export async function sql<R extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<R[]> {
  const client = new pg.Client();
  await client.connect();
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end();
  }
}

export const meta = { correlation: "c-1", causation: {} };

/** Events of a query, in order. */
export async function read(store: PostgresStore, query?: Parameters<PostgresStore["query"]>[1]) {
  const events: Awaited<ReturnType<PostgresStore["commit"]>> = [];
  await store.query((e) => events.push(e), query);
  return events;
}
