/**
 * Every example of the reference page of the framework's PostgresStore
 * (shared/seed/PostgresStore.txt), with only the import changed from
 * "@rotorsoft/act-pg" to this package. The examples name their own
 * connection settings; the test gives them a database where they can run:
 * DB_* variables for the second example, the `multitenant` database for the
 * fourth, and `config` (the PG* environment) for the fifth. The first and
 * third name servers that do not exist here (localhost:5432 with password
 * "secret", db.example.com): they construct their store and build the app,
 * and reach no server.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { act, state, store } from "@rotorsoft/act";
import { z } from "zod";
import { PostgresStore } from "../src/index.js";
import { extension, sql } from "./helpers.js";

const Counter = state({ Counter: z.object({ count: z.number() }) })
  .init(() => ({ count: 0 }))
  .emits({ Incremented: z.object({ amount: z.number() }) })
  .patch({ Incremented: ({ data }, s) => ({ count: s.count + data.amount }) })
  .on({ increment: z.object({ by: z.number() }) })
  .emit((action) => ["Incremented", { amount: action.by }])
  .build();

const opened: PostgresStore[] = [];
before(async () => {
  await extension();
  // Example 5 reads the default store (public.events): start it empty.
  const defaults = new PostgresStore();
  await defaults.seed();
  await defaults.drop();
  await defaults.dispose();
  const [db] = await sql("SELECT 1 FROM pg_database WHERE datname = 'multitenant'");
  if (!db) await sql("CREATE DATABASE multitenant");
  const saved = process.env.PGDATABASE;
  process.env.PGDATABASE = "multitenant";
  try {
    await extension();
  } finally {
    process.env.PGDATABASE = saved;
  }
});
after(async () => {
  await Promise.all(opened.map((s) => s.dispose()));
});

test("example 1: store(new PostgresStore({...})) and act().withState(Counter).build()", async () => {
  store(new PostgresStore({
  host: "localhost",
  port: 5432,
  database: "myapp",
  user: "postgres",
  password: "secret"
  }));
  const app = act()
  .withState(Counter)
  .build();
  assert.ok(app);
  assert.ok(store() instanceof PostgresStore);
  assert.equal((store() as PostgresStore).config.database, "myapp");
  opened.push(store() as PostgresStore);
});

test("example 2: custom schema and table from DB_* variables, then seed()", async () => {
  process.env.DB_HOST = process.env.PGHOST;
  process.env.DB_PORT = process.env.PGPORT;
  process.env.DB_NAME = process.env.PGDATABASE;
  process.env.DB_USER = process.env.PGUSER;
  process.env.DB_PASSWORD = process.env.PGPASSWORD;
  const pgStore = new PostgresStore({
  host: process.env.DB_HOST || "localhost",
  port: parseInt(process.env.DB_PORT || "5432"),
  database: process.env.DB_NAME || "myapp",
  user: process.env.DB_USER || "postgres",
  password: process.env.DB_PASSWORD,
  schema: "events", // Custom schema
  table: "act_events" // Custom table name
  });
  // Initialize tables
  await pgStore.seed();
  opened.push(pgStore);
  const [t] = await sql<{ t: string }>("SELECT to_regclass('events.act_events')::text AS t");
  assert.equal(t.t, "events.act_events");
});

test("example 3: connection settings for another server (constructed only)", async () => {
  // PostgresStore uses node-postgres (pg) connection pooling
  // Pool is created automatically with default settings
  // For custom pool config, use environment variables:
  // PGHOST, PGPORT, PGDATABASE, PGUSER, PGPASSWORD
  // PGMAXCONNECTIONS, PGIDLETIMEOUT, etc.
  const pgStore = new PostgresStore({
  host: "db.example.com",
  port: 5432,
  database: "production",
  user: "app_user",
  password: process.env.DB_PASSWORD
  });
  assert.equal(pgStore.config.host, "db.example.com");
  opened.push(pgStore);
});

test("example 4: one schema per tenant", async () => {
  // Use separate schemas per tenant
  const tenants = ["tenant1", "tenant2", "tenant3"];
  for (const tenant of tenants) {
  const tenantStore = new PostgresStore({
  host: "localhost",
  database: "multitenant",
  schema: tenant, // Each tenant gets own schema
  table: "events"
  });
  await tenantStore.seed();
  opened.push(tenantStore);
  }
  const saved = process.env.PGDATABASE;
  process.env.PGDATABASE = "multitenant";
  try {
    const stores = await sql<{ s: string }>("SELECT schema::text || '.' || table_name AS s FROM act.stores ORDER BY 1");
    assert.deepEqual(stores.map((r) => r.s).filter((s) => s.startsWith("tenant")), [
      "tenant1.events", "tenant2.events", "tenant3.events",
    ]);
  } finally {
    process.env.PGDATABASE = saved;
  }
});

test("example 5: seed() and query() with a config", async () => {
  const config = {};
  const seen: unknown[] = [];
  const console = { log: (e: unknown) => seen.push(e) };
  // For advanced queries, you can access pg client
  const pgStore = new PostgresStore(config);
  await pgStore.seed();
  opened.push(pgStore);
  await pgStore.commit("user-123", [{ name: "Created", data: {} }], { correlation: "c", causation: {} });
  // Use the store's query method for standard queries
  await pgStore.query(
  (event) => console.log(event),
  { stream: "user-123", limit: 100 }
  );
  assert.equal(seen.length, 1);
});
