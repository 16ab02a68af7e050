/**
 * Conformance: one test per Store method and argument, written from the
 * contract's doc comments (@rotorsoft/act's types/ports.d.ts), run on a
 * real act_pg store.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { ConcurrencyError, StoreError, ValidationError } from "@rotorsoft/act";
import type { Lease, StreamPosition } from "@rotorsoft/act";
import pg from "pg";
import { PostgresStore } from "../src/index.js";
import { SQL } from "../src/sql.js";
import { fresh, meta, read } from "./helpers.js";

let store: PostgresStore;
before(async () => {
  store = await fresh("conformance");
});
after(async () => {
  await store.dispose();
});

/** A store emptied for one test. */
async function empty(): Promise<PostgresStore> {
  await store.drop();
  await store.seed();
  return store;
}

async function positions(query?: Parameters<PostgresStore["query_streams"]>[1]) {
  const found: StreamPosition[] = [];
  const result = await store.query_streams((p) => found.push(p), query);
  return { found, ...result };
}

const position = async (stream: string) =>
  (await positions({ stream, stream_exact: true })).found[0];

describe("seed", () => {
  test("creates the store, and again changes nothing", async () => {
    await empty();
    await store.commit("s", [{ name: "A", data: {} }], meta);
    await store.seed();
    assert.equal((await read(store)).length, 1);
  });
});

describe("drop", () => {
  test("removes the store: calls fail with StoreError until seed", async () => {
    await empty();
    await store.commit("s", [{ name: "A", data: {} }], meta);
    await store.drop();
    await assert.rejects(read(store), StoreError);
    await store.seed();
    assert.equal((await read(store)).length, 0);
  });
});

describe("commit", () => {
  test("stream, msgs: versions from 0, ids increasing, created a Date", async () => {
    await empty();
    const first = await store.commit("s", [{ name: "A", data: { a: 1 } }, { name: "B", data: {} }], meta);
    const second = await store.commit("s", [{ name: "C", data: {} }], meta);
    assert.deepEqual(
      [...first, ...second].map((e) => [e.stream, e.version, e.name]),
      [["s", 0, "A"], ["s", 1, "B"], ["s", 2, "C"]],
    );
    assert.ok(first[0].id < first[1].id && first[1].id < second[0].id);
    assert.ok(first[0].created instanceof Date);
    assert.deepEqual(first[0].data, { a: 1 });
  });

  test("msgs: dates in data come back as Date", async () => {
    await empty();
    const when = new Date("2024-01-02T03:04:05.678Z");
    await store.commit("s", [{ name: "A", data: { when } }], meta);
    const [e] = await read(store);
    assert.deepEqual(e.data, { when });
  });

  test("msgs: an invalid event is a ValidationError and commits nothing", async () => {
    await empty();
    await assert.rejects(store.commit("s", [{ name: "", data: {} }], meta), ValidationError);
    await assert.rejects(store.commit("s", [{ name: "A", data: [] as never }], meta), ValidationError);
    assert.equal((await read(store)).length, 0);
  });

  test("msgs: an empty batch commits nothing", async () => {
    await empty();
    assert.deepEqual(await store.commit("s", [], meta), []);
  });

  test("meta: stored with every event and returned", async () => {
    await empty();
    const m = { correlation: "x", causation: { action: { name: "go", stream: "s", actor: { id: "1", name: "a" } } } };
    const [c] = await store.commit("s", [{ name: "A", data: {} }], m);
    assert.deepEqual(c.meta, m);
    assert.deepEqual((await read(store))[0].meta, m);
  });

  test("expectedVersion: the current version commits, -1 for a new stream", async () => {
    await empty();
    await store.commit("s", [{ name: "A", data: {} }], meta, -1);
    const [c] = await store.commit("s", [{ name: "B", data: {} }], meta, 0);
    assert.equal(c.version, 1);
  });

  test("expectedVersion: another version is a ConcurrencyError and commits nothing", async () => {
    await empty();
    await store.commit("s", [{ name: "A", data: {} }], meta);
    await assert.rejects(store.commit("s", [{ name: "B", data: {} }], meta, 5), (e) => {
      assert.ok(e instanceof ConcurrencyError);
      assert.equal(e.stream, "s");
      assert.equal(e.lastVersion, 0);
      assert.equal(e.expectedVersion, 5);
      return true;
    });
    assert.equal((await read(store)).length, 1);
  });
});

describe("query", () => {
  let ids: number[] = [];
  before(async () => {
    await empty();
    const a = await store.commit("a-1", [{ name: "A", data: {} }, { name: "B", data: {} }], { correlation: "k1", causation: {} });
    const b = await store.commit("b-1", [{ name: "A", data: {} }], { correlation: "k2", causation: {} });
    const s = await store.commit("a-1", [{ name: "__snapshot__", data: { n: 2 } }], meta);
    const c = await store.commit("a-1", [{ name: "C", data: {} }], meta);
    ids = [...a, ...b, ...s, ...c].map((e) => e.id);
  });
  const names = async (q?: Parameters<PostgresStore["query"]>[1]) => (await read(store, q)).map((e) => `${e.stream}.${e.name}`);

  test("callback: once per event, in id order; returns the count; snapshots left out", async () => {
    const seen: number[] = [];
    const n = await store.query((e) => seen.push(e.id));
    assert.equal(n, 4);
    assert.deepEqual(seen, [ids[0], ids[1], ids[2], ids[4]]);
  });
  test("callback: an async callback is awaited per event", async () => {
    const order: string[] = [];
    await store.query(async (e) => {
      await new Promise((r) => setTimeout(r, 5));
      order.push(`done ${e.id}`);
    }, { limit: 2 });
    assert.deepEqual(order, [`done ${ids[0]}`, `done ${ids[1]}`]);
  });
  test("stream: a regular expression", async () => {
    assert.deepEqual(await names({ stream: "^a-" }), ["a-1.A", "a-1.B", "a-1.C"]);
    assert.deepEqual(await names({ stream: "1" }), ["a-1.A", "a-1.B", "b-1.A", "a-1.C"]);
  });
  test("stream: an invalid regular expression is a ValidationError", async () => {
    await assert.rejects(read(store, { stream: "(" }), ValidationError);
  });
  test("stream_exact: the literal name", async () => {
    assert.deepEqual(await names({ stream: "a-", stream_exact: true }), []);
    assert.deepEqual(await names({ stream: "b-1", stream_exact: true }), ["b-1.A"]);
  });
  test("names: those names; an empty array matches nothing", async () => {
    assert.deepEqual(await names({ names: ["A"] }), ["a-1.A", "b-1.A"]);
    assert.deepEqual(await names({ names: [] }), []);
  });
  test("after: ids greater", async () => {
    assert.deepEqual(await names({ after: ids[1] }), ["b-1.A", "a-1.C"]);
  });
  test("before: ids less; 0 matches nothing", async () => {
    assert.deepEqual(await names({ before: ids[2] }), ["a-1.A", "a-1.B"]);
    assert.deepEqual(await names({ before: 0 }), []);
  });
  test("created_after, created_before: strict bounds on created", async () => {
    const all = await read(store);
    const t = all[0].created;
    assert.deepEqual(await names({ created_before: t }), []);
    assert.equal((await names({ created_after: new Date(t.getTime() - 1) })).length, 4);
    assert.equal((await names({ created_before: new Date(Date.now() + 60_000) })).length, 4);
  });
  test("correlation: meta.correlation equals", async () => {
    assert.deepEqual(await names({ correlation: "k2" }), ["b-1.A"]);
  });
  test("limit: at most this many", async () => {
    assert.deepEqual(await names({ limit: 2 }), ["a-1.A", "a-1.B"]);
  });
  test("backward: descending id order", async () => {
    assert.deepEqual(await names({ backward: true }), ["a-1.C", "b-1.A", "a-1.B", "a-1.A"]);
    assert.deepEqual(await names({ backward: true, limit: 1 }), ["a-1.C"]);
  });
  test("with_snaps: snapshots included; an exact stream starts at its latest snapshot", async () => {
    assert.equal((await names({ with_snaps: true })).length, 5);
    assert.deepEqual(await names({ stream: "a-1", stream_exact: true, with_snaps: true }), ["a-1.__snapshot__", "a-1.C"]);
  });
});

describe("claim", () => {
  const work = async (...streams: string[]) => {
    await empty();
    for (const s of streams) {
      await store.subscribe([{ stream: `p-${s}`, source: s }]);
      await store.commit(s, [{ name: "A", data: {} }], meta);
    }
  };
  test("lagging: up to this many, lowest watermark first", async () => {
    await work("x", "y", "z");
    const leases = await store.claim(2, 0, "w1", 10_000);
    assert.equal(leases.length, 2);
    assert.ok(leases.every((l) => l.lagging && l.at === -1 && l.by === "w1" && l.retry === 0));
  });
  test("leading: up to this many, highest watermark first", async () => {
    await work("x", "y");
    const [l] = await store.claim(1, 0, "w1", 10_000);
    const [c] = await store.commit(l.source!, [{ name: "B", data: {} }], meta);
    await store.ack([{ ...l, at: c.id - 1 }]);
    const leading = await store.claim(0, 1, "w2", 10_000);
    assert.deepEqual(leading.map((x) => [x.stream, x.lagging]), [[l.stream, false]]);
  });
  test("by: the holder; other workers get disjoint leases", async () => {
    await work("x", "y");
    const a = await store.claim(1, 0, "w1", 10_000);
    const b = await store.claim(5, 5, "w2", 10_000);
    assert.equal(a.length + b.length, 2);
    assert.notEqual(a[0].stream, b[0].stream);
    assert.equal((await position(a[0].stream)).leased_by, "w1");
  });
  test("millis: a lease stands that long; a zero lease expires at once and its ack still lands", async () => {
    await work("x");
    const [l] = await store.claim(1, 0, "w1", 0);
    const again = await store.claim(1, 0, "w2", 10_000);
    assert.equal(again.length, 1);
    assert.equal(again[0].retry, 1);
    assert.deepEqual(await store.claim(1, 0, "w3", 10_000), []);
    await work("x");
    const [z] = await store.claim(1, 0, "w1", 0);
    assert.equal((await store.ack([{ ...z, at: 1 }])).length, 1);
    assert.ok(l);
  });
  test("lane: only that lane's streams", async () => {
    await empty();
    await store.subscribe([{ stream: "p-x", source: "x", lane: "fast" }, { stream: "p-y", source: "y" }]);
    await store.commit("x", [{ name: "A", data: {} }], meta);
    await store.commit("y", [{ name: "A", data: {} }], meta);
    assert.deepEqual((await store.claim(5, 5, "w", 10_000, "fast")).map((l) => [l.stream, l.lane]), [["p-x", "fast"]]);
  });
  test("a caught-up subscription is not claimed; a new event makes it claimable", async () => {
    await work("x");
    const [l] = await store.claim(1, 0, "w", 10_000);
    const [e] = await read(store, { stream: "x", stream_exact: true });
    await store.ack([{ ...l, at: e.id }]);
    assert.deepEqual(await store.claim(5, 5, "w", 10_000), []);
    await store.commit("x", [{ name: "B", data: {} }], meta);
    assert.equal((await store.claim(5, 5, "w", 10_000)).length, 1);
  });
});

describe("subscribe", () => {
  test("streams: registers new rows; subscribed counts them; watermark is the highest at", async () => {
    await empty();
    await store.commit("s", [{ name: "A", data: {} }], meta);
    assert.deepEqual(
      { ...(await store.subscribe([{ stream: "p1" }, { stream: "p2", source: "s" }])), correlated_at: 0 },
      { subscribed: 2, watermark: -1, correlated_at: 0 },
    );
    assert.equal((await store.subscribe([{ stream: "p1" }, { stream: "p3" }])).subscribed, 1);
    const [l] = await store.claim(1, 0, "w", 10_000);
    await store.ack([{ ...l, at: 7 }]);
    assert.equal((await store.subscribe([])).watermark, 7);
  });
  test("streams[].source: a literal source is followed by equality", async () => {
    await empty();
    await store.subscribe([{ stream: "p", source: "s1" }]);
    assert.equal((await position("p")).source, "s1");
    await store.commit("s12", [{ name: "A", data: {} }], meta);
    assert.deepEqual(await store.claim(5, 5, "w", 10_000), []);
  });
  test("streams[].priority: the highest registered wins", async () => {
    await empty();
    await store.subscribe([{ stream: "p", priority: 5 }]);
    await store.subscribe([{ stream: "p", priority: 2 }]);
    assert.equal((await position("p")).priority, 5);
  });
  test("streams[].lane: the drain lane", async () => {
    await empty();
    await store.subscribe([{ stream: "p", lane: "slow" }]);
    assert.equal((await position("p")).lane, "slow");
  });
  test("streams[]: a stream name that is empty is a ValidationError", async () => {
    await empty();
    await assert.rejects(store.subscribe([{ stream: "" }]), ValidationError);
  });
});

describe("ack", () => {
  const leased = async (): Promise<Lease> => {
    await empty();
    await store.subscribe([{ stream: "p", source: "s" }]);
    await store.commit("s", [{ name: "A", data: {} }], meta);
    return (await store.claim(1, 0, "w", 10_000))[0];
  };
  test("leases: moves the watermark, resets retry, releases the lease; returns the acked", async () => {
    const l = await leased();
    const acked = await store.ack([{ ...l, at: 1 }]);
    assert.deepEqual(acked.map((a) => [a.stream, a.at, a.retry]), [["p", 1, -1]]);
    const p = await position("p");
    assert.equal(p.at, 1);
    assert.equal(p.leased_by, undefined);
  });
  test("leases[].by: another holder's ack changes nothing", async () => {
    const l = await leased();
    assert.deepEqual(await store.ack([{ ...l, by: "other", at: 1 }]), []);
    assert.equal((await position("p")).at, -1);
  });
});

describe("block", () => {
  test("leases: blocks with the error; a blocked stream is not claimed", async () => {
    await empty();
    await store.subscribe([{ stream: "p", source: "s" }]);
    await store.commit("s", [{ name: "A", data: {} }], meta);
    const [l] = await store.claim(1, 0, "w", 10_000);
    const blocked = await store.block([{ ...l, error: "boom" }]);
    assert.deepEqual(blocked.map((b) => [b.stream, b.error]), [["p", "boom"]]);
    const p = await position("p");
    assert.equal(p.blocked, true);
    assert.equal(p.error, "boom");
    await store.reset([]); // nothing
    assert.deepEqual(await store.claim(5, 5, "w", 10_000), []);
  });
  test("leases[].by: another holder's block changes nothing", async () => {
    await empty();
    await store.subscribe([{ stream: "p" }]);
    await store.claim(1, 0, "w", 10_000);
    assert.deepEqual(await store.block([{ stream: "p", by: "x", at: -1, retry: 0, lagging: true, error: "e" }]), []);
  });
});

/** Three subscriptions: a (blocked, lane l1, source sa), b (source sb), c (no source). */
async function three() {
  await empty();
  await store.subscribe([{ stream: "a", source: "sa", lane: "l1" }, { stream: "b", source: "sb" }, { stream: "c" }]);
  await store.commit("sa", [{ name: "A", data: {} }], meta);
  const leases = await store.claim(5, 5, "w", 10_000);
  await store.block(leases.filter((l) => l.stream === "a").map((l) => ({ ...l, error: "e" })));
  await store.ack(leases.filter((l) => l.stream !== "a").map((l) => ({ ...l, at: 1 })));
}

describe("reset", () => {
  test("input: names; watermark -1, unblocked, count of rows", async () => {
    await three();
    assert.equal(await store.reset(["a", "b", "nope"]), 2);
    const a = await position("a");
    assert.deepEqual([a.at, a.blocked, a.error, a.retry], [-1, false, "", -1]);
    assert.equal((await position("c")).at, 1);
  });
  test("input: a filter (stream regex, source, blocked, lane)", async () => {
    await three();
    assert.equal(await store.reset({ stream: "^[bc]$" }), 2);
    await three();
    assert.equal(await store.reset({ source: "sb", source_exact: true }), 1);
    await three();
    assert.equal(await store.reset({ blocked: true }), 1);
    await three();
    assert.equal(await store.reset({ lane: "l1" }), 1);
    await three();
    assert.equal(await store.reset({}), 3);
  });
});

describe("unblock", () => {
  test("input: names; only blocked rows count; watermark kept", async () => {
    await three();
    assert.equal(await store.unblock(["a", "b"]), 1);
    const a = await position("a");
    assert.deepEqual([a.blocked, a.error, a.retry], [false, "", -1]);
  });
  test("input: a filter; blocked: false matches nothing", async () => {
    await three();
    assert.equal(await store.unblock({ blocked: false }), 0);
    assert.equal(await store.unblock({ stream: "a", stream_exact: true }), 1);
  });
});

describe("prioritize", () => {
  test("filter, priority: set outright; count of rows changed", async () => {
    await three();
    assert.equal(await store.prioritize({ stream: "^[ab]$" }, 7), 2);
    assert.equal(await store.prioritize({ stream: "^[ab]$" }, 7), 0);
    assert.equal(await store.prioritize({}, -1), 3);
    assert.equal((await position("b")).priority, -1);
  });
});

describe("truncate", () => {
  test("targets[].stream: deletes the stream's events and seeds a tombstone", async () => {
    await empty();
    await store.commit("s", [{ name: "A", data: {} }, { name: "B", data: {} }], meta);
    const result = await store.truncate([{ stream: "s" }]);
    const t = result.get("s")!;
    assert.equal(t.deleted, 2);
    assert.deepEqual([t.committed.name, t.committed.version, t.committed.stream], ["__tombstone__", 0, "s"]);
    assert.deepEqual((await read(store)).map((e) => e.name), ["__tombstone__"]);
  });
  test("targets[].snapshot: seeds a __snapshot__ with it as data", async () => {
    await empty();
    await store.commit("s", [{ name: "A", data: {} }], meta);
    const t = (await store.truncate([{ stream: "s", snapshot: { n: 1 } }])).get("s")!;
    assert.deepEqual([t.committed.name, t.committed.data], ["__snapshot__", { n: 1 }]);
  });
  test("targets[].meta: the seed's meta", async () => {
    await empty();
    const m = { correlation: "close", causation: {} };
    const t = (await store.truncate([{ stream: "s", meta: m }])).get("s")!;
    assert.deepEqual(t.committed.meta, m);
  });
});

describe("query_streams", () => {
  test("callback, maxEventId, count: positions in stream order", async () => {
    await three();
    const r = await positions();
    assert.deepEqual(r.found.map((p) => p.stream), ["a", "b", "c"]);
    assert.equal(r.count, 3);
    assert.equal(r.maxEventId, 1);
    const a = r.found[0];
    assert.deepEqual([a.source, a.blocked, a.error, a.lane, a.leased_by], ["sa", true, "e", "l1", "w"]);
    assert.ok(a.leased_until instanceof Date);
  });
  test("maxEventId: -1 on an empty store, also when nothing matches", async () => {
    await empty();
    assert.deepEqual(await positions(), { found: [], maxEventId: -1, count: 0 });
  });
  test("stream, stream_exact", async () => {
    await three();
    assert.deepEqual((await positions({ stream: "[ab]" })).found.map((p) => p.stream), ["a", "b"]);
    assert.deepEqual((await positions({ stream: "[ab]", stream_exact: true })).count, 0);
  });
  test("source, source_exact", async () => {
    await three();
    assert.deepEqual((await positions({ source: "^s" })).found.map((p) => p.stream), ["a", "b"]);
    assert.deepEqual((await positions({ source: "sb", source_exact: true })).found.map((p) => p.stream), ["b"]);
  });
  test("blocked, lane", async () => {
    await three();
    assert.deepEqual((await positions({ blocked: false })).found.map((p) => p.stream), ["b", "c"]);
    assert.deepEqual((await positions({ lane: "l1" })).found.map((p) => p.stream), ["a"]);
  });
  test("after, limit: keyset pages; limit 0 returns none", async () => {
    await three();
    assert.deepEqual((await positions({ after: "a", limit: 1 })).found.map((p) => p.stream), ["b"]);
    assert.equal((await positions({ limit: 0 })).count, 0);
  });
  test("source_matches: a hint; source-less rows always qualify", async () => {
    await three();
    const found = (await positions({ source_matches: ["sb"] })).found.map((p) => p.stream);
    assert.ok(found.includes("b") && found.includes("c"));
  });
});

describe("query_stats", () => {
  before(async () => {
    await empty();
    await store.commit("x-1", [{ name: "A", data: {} }, { name: "B", data: {} }], meta);
    await store.commit("x-2", [{ name: "A", data: {} }], meta);
    await store.commit("y-1", [{ name: "A", data: {} }, { name: "__snapshot__", data: {} }], meta);
  });
  test("input: names; head is the latest event", async () => {
    const s = await store.query_stats(["x-1", "nope"]);
    assert.deepEqual([...s.keys()], ["x-1"]);
    assert.equal(s.get("x-1")!.head.name, "B");
    assert.ok(s.get("x-1")!.head.created instanceof Date);
    assert.equal(s.get("x-1")!.tail, undefined);
  });
  test("input: a filter, stream regex or stream_exact; {} is every stream", async () => {
    assert.deepEqual([...(await store.query_stats({ stream: "^x-" })).keys()], ["x-1", "x-2"]);
    assert.deepEqual([...(await store.query_stats({ stream: "x-", stream_exact: true })).keys()], []);
    assert.deepEqual([...(await store.query_stats({})).keys()], ["x-1", "x-2", "y-1"]);
  });
  test("tail, count, names", async () => {
    const s = (await store.query_stats(["x-1"], { tail: true, count: true, names: true })).get("x-1")!;
    assert.deepEqual([s.tail!.name, s.count, s.names], ["A", 2, { A: 1, B: 1 }]);
  });
  test("exclude: names left out of every figure", async () => {
    const s = (await store.query_stats(["y-1"], { exclude: ["__snapshot__"], count: true })).get("y-1")!;
    assert.deepEqual([s.head.name, s.count], ["A", 1]);
  });
  test("before: ids less than", async () => {
    const [first] = await read(store);
    assert.deepEqual([...(await store.query_stats({}, { before: first.id + 1 })).keys()], ["x-1"]);
  });
  test("after, limit: keyset pages", async () => {
    assert.deepEqual([...(await store.query_stats({}, { after: "x-1", limit: 1 })).keys()], ["x-2"]);
    assert.equal((await store.query_stats({}, { limit: 0 })).size, 0);
  });
});

describe("store selection", () => {
  test("two stores in one database see only their own events", async () => {
    await empty();
    const other = new PostgresStore({ schema: "conformance_other" });
    try {
      await other.seed();
      await other.drop();
      await other.seed();
      await other.commit("s", [{ name: "Other", data: {} }], meta);
      await store.commit("s", [{ name: "Mine", data: {} }], meta);
      assert.deepEqual((await read(store)).map((e) => e.name), ["Mine"]);
      assert.deepEqual((await read(other)).map((e) => e.name), ["Other"]);
      await other.drop();
    } finally {
      await other.dispose();
    }
  });
  test("a statement selects its store for its own transaction only", async () => {
    await empty();
    const client = new pg.Client();
    await client.connect();
    try {
      const values = ["conformance.events", "w", "s", '[{"name":"A","data":{}}]', "{}", null];
      assert.equal((await client.query(SQL.commit, values)).rowCount, 1);
      const after = await client.query("SELECT current_setting('act.store') AS store, current_setting('act.writer') AS writer");
      assert.deepEqual(after.rows[0], { store: "act.events", writer: "" });
    } finally {
      await client.end();
    }
    assert.equal((await read(store)).length, 1);
  });
});

describe("configuration", () => {
  const PG = ["PGHOST", "PGPORT", "PGDATABASE", "PGUSER", "PGPASSWORD", "PGMAXCONNECTIONS", "PGIDLETIMEOUT"];
  const without = (f: () => void) => {
    const saved = PG.map((k) => process.env[k]);
    PG.forEach((k) => delete process.env[k]);
    try {
      f();
    } finally {
      PG.forEach((k, i) => (saved[i] === undefined ? delete process.env[k] : (process.env[k] = saved[i])));
    }
  };
  test("given fields win; then PG* variables; then the framework store's defaults", async () => {
    const s = new PostgresStore({ host: "h", port: 1234, database: "d", user: "u", password: "p", schema: "sc", table: "tb", max: 3 });
    assert.deepEqual(
      [s.config.host, s.config.port, s.config.database, s.config.user, s.config.password, s.config.schema, s.config.table, s.config.max, s.config.notify],
      ["h", 1234, "d", "u", "p", "sc", "tb", 3, false],
    );
    const e = new PostgresStore();
    assert.deepEqual([e.config.host, e.config.port, e.config.user], [process.env.PGHOST, Number(process.env.PGPORT), process.env.PGUSER]);
    let d!: PostgresStore;
    without(() => {
      process.env.PGMAXCONNECTIONS = "7";
      process.env.PGIDLETIMEOUT = "500";
      d = new PostgresStore();
    });
    assert.deepEqual(
      [d.config.host, d.config.port, d.config.database, d.config.user, d.config.password, d.config.schema, d.config.table, d.config.max, d.config.idleTimeoutMillis],
      ["localhost", 5432, "postgres", "postgres", "postgres", "public", "events", 7, 500],
    );
    await Promise.all([s.dispose(), e.dispose(), d.dispose()]);
  });
});

describe("prepare", () => {
  test("named statements, kept prepared, give the same results", async () => {
    await empty();
    const prepared = new PostgresStore({ schema: "conformance", prepare: true });
    try {
      for (let i = 0; i < 3; i++) await prepared.commit("s", [{ name: "A", data: { i } }], meta);
      await assert.rejects(prepared.commit("s", [{ name: "A", data: {} }], meta, 0), ConcurrencyError);
      assert.deepEqual((await read(prepared)).map((e) => e.data), [{ i: 0 }, { i: 1 }, { i: 2 }]);
      assert.deepEqual(await read(prepared), await read(store));
    } finally {
      await prepared.dispose();
    }
  });
});

describe("dispose", () => {
  test("closes the pool: later calls fail", async () => {
    const s = new PostgresStore({ schema: "conformance" });
    await read(s);
    await s.dispose();
    await assert.rejects(read(s), StoreError);
  });
});
