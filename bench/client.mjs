// The Node client's own overhead: each Store method's round trip through
// PostgresStore (clients/node) beside the same act_pg call made directly
// with node-postgres (a prepared statement on a session whose act.store is
// set once). Both use one connection, one call at a time; runs alternate
// (client, direct, client, ...), and each figure is the median of the runs
// of the mean time per call. Both connections run with synchronous_commit
// off: the figure is the client's own cost, which the WAL flush of each
// write (about 1-3 ms on this machine, and varying) would hide. Run by
// bench/client.sh.
import { createRequire } from "node:module";
import { PostgresStore } from "../clients/node/dist/index.js";

// node-postgres from the client's own dependencies.
const pg = createRequire(new URL("../clients/node/package.json", import.meta.url))("pg");

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const CALLS = Number(process.env.BENCH_CALLS ?? 500);
const meta = { correlation: "bench", causation: {} };

const options = "-c synchronous_commit=off";
const store = new PostgresStore({ schema: "bench_client", max: 1, options });
// The same store with its statements kept prepared (config.prepare).
const prepared_store = new PostgresStore({ schema: "bench_client", max: 1, options, prepare: true });
await store.seed();
await store.drop();
await store.seed();
const direct = new pg.Client({ options });
await direct.connect();
await direct.query("SET act.store = 'bench_client.events'");
let statement = 0;
const prepared = (text) => {
  const name = `direct_${statement++}`;
  return (values) => direct.query({ name, text, values });
};

// Fixtures: 10 streams of 10 events; one subscription per stream.
for (let s = 0; s < 10; s++)
  await store.commit(`bench-${s}`, Array.from({ length: 10 }, (_, i) => ({ name: "E", data: { i } })), meta);
await store.subscribe(Array.from({ length: 10 }, (_, s) => ({ stream: `proj-${s}`, source: `bench-${s}` })));
const names = Array.from({ length: 10 }, (_, s) => `bench-${s}`);

let n = 0;
const cases = [
  {
    method: "commit (1 event)",
    client: (store) => store.commit(`c-${n++ % 100}`, [{ name: "E", data: { n } }], meta),
    direct: ((q) => () => q([`c-${n++ % 100}`, JSON.stringify([{ name: "E", data: { n } }]), JSON.stringify(meta), null]))(
      prepared("SELECT * FROM act.commit($1::text, $2::text, $3::text, $4::int)")),
  },
  {
    method: "query (stream of 10)",
    client: (store) => store.query(() => {}, { stream: "bench-3", stream_exact: true }),
    direct: ((q) => () => q(["bench-3"]))(prepared("SELECT * FROM act.query(stream => $1, stream_exact => true)")),
  },
  {
    method: "claim (1, lease of 0 ms)",
    client: (store) => store.claim(1, 0, "bench", 0),
    direct: ((q) => () => q([1, 0, "bench", 0]))(prepared("SELECT * FROM act.claim($1, $2, $3, $4)")),
  },
  {
    method: "ack (1 lease)",
    client: (store) => store.ack([{ stream: "proj-1", by: "bench", at: -1, retry: 0, lagging: true }]),
    direct: ((q) => () => q([JSON.stringify([{ stream: "proj-1", by: "bench", at: -1, retry: 0, lagging: true }])]))(
      prepared("SELECT * FROM act.ack($1::jsonb)")),
  },
  {
    method: "subscribe (1, existing)",
    client: (store) => store.subscribe([{ stream: "proj-1", source: "bench-1" }]),
    direct: ((q) => () => q([JSON.stringify([{ stream: "proj-1", source: "bench-1" }])]))(
      prepared("SELECT * FROM act.subscribe($1::jsonb)")),
  },
  {
    method: "reset (1 name)",
    client: (store) => store.reset(["proj-2"]),
    direct: ((q) => () => q([["proj-2"]]))(prepared("SELECT act.reset(streams => $1::text[])")),
  },
  {
    method: "prioritize (filter)",
    client: (store) => store.prioritize({ stream: "^proj-[0-4]$" }, n++ % 3),
    direct: ((q) => () => q([n++ % 3, "^proj-[0-4]$"]))(prepared("SELECT act.prioritize($1, stream => $2)")),
  },
  {
    method: "query_streams (10 rows)",
    client: (store) => store.query_streams(() => {}),
    direct: ((q) => () => q([]))(prepared("SELECT (SELECT act.max_event_id()), s.* FROM act.query_streams() s")),
  },
  {
    // The direct call leaves head as node-postgres gives a composite: text.
    method: "query_stats (10 streams)",
    client: (store) => store.query_stats(names),
    direct: ((q) => () => q([names]))(prepared("SELECT * FROM act.query_stats(streams => $1::text[])")),
  },
  {
    method: "truncate (1 stream)",
    client: (store) => store.truncate([{ stream: `t-${n++ % 10}` }]),
    direct: ((q) => () => q([JSON.stringify([{ stream: `t-${n++ % 10}` }])]))(prepared("SELECT * FROM act.truncate($1::jsonb)")),
  },
];

/** Mean microseconds per call over CALLS calls. */
async function time(fn) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < CALLS; i++) await fn();
  return Number(process.hrtime.bigint() - start) / 1000 / CALLS;
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

console.log(`runs ${RUNS} x ${CALLS} calls, one connection each, one call at a time; microseconds per call (median of runs)`);
console.log("client: PostgresStore (unnamed statements, the default); prepared: PostgresStore with prepare: true;");
console.log("direct: the act_pg call as a prepared statement with node-postgres; overhead: client - direct (prepared - direct)");
const col = (x, w = 10) => String(x).padStart(w);
console.log(`${"Store method".padEnd(28)}${col("client")}${col("prepared")}${col("direct")}${col("overhead", 18)}`);
for (const c of cases) {
  await c.client(store); // warm: prepare the statements
  await c.client(prepared_store);
  await c.direct();
  const [client, prepared, plain] = [[], [], []];
  for (let r = 0; r < RUNS; r++) {
    client.push(await time(() => c.client(store)));
    prepared.push(await time(() => c.client(prepared_store)));
    plain.push(await time(c.direct));
  }
  const [a, p, b] = [median(client), median(prepared), median(plain)];
  console.log(
    `${c.method.padEnd(28)}${col(a.toFixed(0))}${col(p.toFixed(0))}${col(b.toFixed(0))}${col(`${(a - b).toFixed(0)} (${(p - b).toFixed(0)})`, 18)}`,
  );
}
await direct.end();
await store.drop();
await store.dispose();
await prepared_store.dispose();
