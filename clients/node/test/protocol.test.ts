/**
 * Conformance, continued: the arguments of the framework's current Store
 * protocol (act 1.31): defer, due-marked acks, work marks and the
 * correlation checkpoint and lease of subscribe, windowed truncate,
 * source_matches, PII and forget_pii.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Lease, StreamPosition } from "@rotorsoft/act";
import { PostgresStore } from "../src/index.js";
import { fresh, meta, read } from "./helpers.js";

let store: PostgresStore;
before(async () => {
  store = await fresh("protocol");
});
after(async () => {
  await store.dispose();
});

async function empty(): Promise<PostgresStore> {
  await store.drop();
  await store.seed();
  return store;
}

async function position(stream: string): Promise<StreamPosition> {
  const found: StreamPosition[] = [];
  await store.query_streams((p) => found.push(p), { stream, stream_exact: true });
  return found[0];
}

/** A subscription p following s, with one event, claimed by w. */
async function leased(): Promise<Lease> {
  await empty();
  await store.subscribe([{ stream: "p", source: "s" }]);
  await store.commit("s", [{ name: "A", data: {} }], meta);
  const [l] = await store.claim(1, 0, "w", 60_000);
  assert.ok(l, "claimed");
  return l;
}

describe("claim", () => {
  test("a fresh subscription whose source has no events is not claimable", async () => {
    await empty();
    await store.subscribe([{ stream: "p", source: "nothing-yet" }]);
    assert.deepEqual(await store.claim(5, 5, "w", 60_000), []);
  });
});

describe("defer", () => {
  test("input (names), deferred_at: held out of claim until due; count of rows", async () => {
    await empty();
    await store.subscribe([{ stream: "p", source: "s" }]);
    await store.commit("s", [{ name: "A", data: {} }], meta);
    const due = Date.now() + 60_000;
    assert.equal(await store.defer(["p", "nope"], due), 1);
    assert.deepEqual(await store.claim(5, 5, "w", 60_000), []);
    assert.equal((await position("p")).deferred_at, due);
  });
  test("deferred_at in the past: claimable again", async () => {
    await empty();
    await store.subscribe([{ stream: "p", source: "s" }]);
    await store.commit("s", [{ name: "A", data: {} }], meta);
    assert.equal(await store.defer({ stream: "^p$" }, Date.now() - 1), 1);
    assert.equal((await store.claim(5, 5, "w", 60_000)).length, 1);
  });
  test("input (filter): reset clears the schedule", async () => {
    await empty();
    await store.subscribe([{ stream: "p", source: "s" }]);
    await store.commit("s", [{ name: "A", data: {} }], meta);
    await store.defer({}, Date.now() + 60_000);
    await store.reset(["p"]);
    assert.equal((await position("p")).deferred_at, undefined);
  });
});

describe("ack", () => {
  test("leases[].due: advances the watermark, defers the rest, not returned", async () => {
    const l = await leased();
    const due = Date.now() + 60_000;
    assert.deepEqual(await store.ack([{ ...l, at: 1, retry: 2, due }]), []);
    const p = await position("p");
    assert.deepEqual([p.at, p.retry, p.deferred_at, p.leased_by], [1, 2, due, undefined]);
  });
  test("leases[].at: a lower watermark does not fail the batch and does not move it back", async () => {
    const l = await leased();
    await store.ack([{ ...l, at: 1 }]);
    await store.commit("s", [{ name: "B", data: {} }], meta);
    const [again] = await store.claim(1, 0, "w", 60_000);
    const acked = await store.ack([{ ...again, at: 0 }]);
    assert.equal(acked.length, 1);
    assert.equal((await position("p")).at, 1);
  });
});

describe("subscribe", () => {
  test("streams[].correlated_at: the work mark, kept at its highest; claimable while at < mark", async () => {
    await empty();
    // The mark names a real event that correlate resolved to p, from a
    // stream that is not p's source: only the caller's mark makes work.
    const [e1, e2] = await store.commit("elsewhere", [{ name: "A", data: {} }, { name: "B", data: {} }], meta);
    await store.subscribe([{ stream: "p", source: "quiet", correlated_at: e2.id }]);
    await store.subscribe([{ stream: "p", correlated_at: e1.id }]);
    assert.equal((await position("p")).correlated_at, e2.id);
    const [l] = await store.claim(5, 5, "w", 60_000);
    assert.equal(l?.stream, "p");
    await store.ack([{ ...l, at: e2.id }]);
    assert.deepEqual(await store.claim(5, 5, "w", 60_000), []);
  });
  test("correlated_at: the checkpoint, only moving forward, returned", async () => {
    await empty();
    assert.equal((await store.subscribe([])).correlated_at, -1);
    assert.equal((await store.subscribe([], 10)).correlated_at, 10);
    assert.equal((await store.subscribe([], 4)).correlated_at, 10);
  });
  test("correlator: one holder at a time; the holder renews; a new key reads the shared checkpoint", async () => {
    await empty();
    await store.subscribe([], 7);
    const a = await store.subscribe([], undefined, { key: "k", by: "a", millis: 60_000 });
    assert.deepEqual([a.correlating, a.correlated_at], [true, 7]);
    const b = await store.subscribe([], undefined, { key: "k", by: "b", millis: 60_000 });
    assert.equal(b.correlating, false);
    assert.equal((await store.subscribe([], 9, { key: "k", by: "a", millis: 60_000 })).correlating, true);
    assert.equal((await store.subscribe([])).correlating, undefined);
  });
  test("streams[].lane: taken only at or above the stored priority", async () => {
    await empty();
    await store.subscribe([{ stream: "p", priority: 5, lane: "hi" }]);
    await store.subscribe([{ stream: "p", priority: 1, lane: "lo" }]);
    assert.equal((await position("p")).lane, "hi");
    await store.subscribe([{ stream: "p", priority: 5, lane: "again" }]);
    assert.equal((await position("p")).lane, "again");
  });
});

describe("truncate", () => {
  test("the subscription row of a truncated stream stays", async () => {
    await empty();
    await store.subscribe([{ stream: "s" }]);
    await store.commit("s", [{ name: "A", data: {} }], meta);
    await store.truncate([{ stream: "s" }]);
    assert.ok(await position("s"));
  });
  test("targets[].before, max_id: deletes the events before the latest snapshot in the window", async () => {
    await empty();
    await store.commit("s", [{ name: "A", data: {} }, { name: "__snapshot__", data: { n: 1 } }], meta);
    const [late] = await store.commit("s", [{ name: "__snapshot__", data: { n: 2 } }, { name: "B", data: {} }], meta);
    const before = new Date(Date.now() + 1000);
    const result = await store.truncate([{ stream: "s", before, max_id: late.id - 1 }]);
    const t = result.get("s")!;
    assert.equal(t.deleted, 1);
    assert.deepEqual(t.committed.data, { n: 1 });
    assert.equal(t.before?.getTime(), before.getTime());
    assert.deepEqual((await read(store, { with_snaps: true })).map((e) => e.name), ["__snapshot__", "__snapshot__", "B"]);
    assert.equal((await store.truncate([{ stream: "none", before }])).size, 0);
  });
});

describe("query_streams", () => {
  test("source_matches: rows whose source matches one of the names, and source-less rows", async () => {
    await empty();
    await store.subscribe([{ stream: "a", source: "^x-" }, { stream: "b", source: "y-1" }, { stream: "c" }]);
    const found: string[] = [];
    await store.query_streams((p) => found.push(p.stream), { source_matches: ["x-7"] });
    assert.deepEqual(found, ["a", "c"]);
  });
});

describe("pii", () => {
  test("msgs[].pii: kept apart from data, returned to readers; forget_pii erases it", async () => {
    await empty();
    const [c] = await store.commit("u", [{ name: "A", data: { n: 1 }, pii: { email: "a@b" } }], meta);
    assert.deepEqual(c.pii, { email: "a@b" });
    const [e] = await read(store);
    assert.deepEqual([e.data, e.pii], [{ n: 1 }, { email: "a@b" }]);
    assert.equal(await store.forget_pii!("u"), 1);
    assert.equal(await store.forget_pii!("u"), 0);
    const [gone] = await read(store);
    assert.deepEqual([gone.data, gone.pii ?? null], [{ n: 1 }, null]);
  });
  test("query_stats never carries pii", async () => {
    await empty();
    await store.commit("u", [{ name: "A", data: {}, pii: { email: "a@b" } }], meta);
    const s = (await store.query_stats(["u"])).get("u")!;
    assert.equal(s.head.pii, undefined);
  });
});
