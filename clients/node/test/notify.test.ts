/**
 * notify: LISTEN on act_pg's channel, one notification per remote commit,
 * the process's own commits skipped (act.writer), and a listener that
 * reconnects by itself after its connection is terminated.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { StoreNotification } from "@rotorsoft/act";
import { PostgresStore } from "../src/index.js";
import { fresh, meta, sql } from "./helpers.js";

let local: PostgresStore;
let remote: PostgresStore;
before(async () => {
  local = await fresh("notify", { notify: true });
  remote = new PostgresStore({ schema: "notify", notify: true });
});
after(async () => {
  await remote.dispose();
  await local.dispose();
});

/** Resolves with the first notification for which `until` holds. */
function next(received: StoreNotification[], until: (n: StoreNotification) => boolean, ms = 5_000) {
  return new Promise<StoreNotification>((resolve, reject) => {
    const started = Date.now();
    const poll = () => {
      const found = received.find(until);
      if (found) return resolve(found);
      if (Date.now() - started > ms) return reject(new Error("no notification"));
      setTimeout(poll, 10);
    };
    poll();
  });
}

/** Backend pids of this database's LISTEN connections on the store's channel. */
const listeners = async () =>
  (await sql<{ pid: number }>(
    "SELECT pid FROM pg_stat_activity WHERE query LIKE 'LISTEN %act_commit_notify_events%' AND pid <> pg_backend_pid()",
  )).map((r) => r.pid);

test("notify is present only with config.notify", async () => {
  const quiet = new PostgresStore({ schema: "notify" });
  assert.equal(quiet.notify, undefined);
  assert.equal(typeof local.notify, "function");
  await quiet.dispose();
});

test("one notification per remote commit, with its events; own commits skipped", async () => {
  const received: StoreNotification[] = [];
  const stop = await local.notify!((n) => received.push(n));
  try {
    await local.commit("mine", [{ name: "A", data: {} }], meta);
    const events = await remote.commit("theirs", [{ name: "A", data: {} }, { name: "B", data: {} }], meta);
    const n = await next(received, (x) => x.stream === "theirs");
    assert.deepEqual(n, { stream: "theirs", events: events.map(({ id, name }) => ({ id, name })) });
    // The own commit came first, so it would have arrived by now.
    assert.deepEqual(received.map((x) => x.stream), ["theirs"]);
  } finally {
    await stop();
  }
});

test("the listener reconnects after pg_terminate_backend and delivers again", async () => {
  const received: StoreNotification[] = [];
  const stop = await local.notify!((n) => received.push(n));
  try {
    const [pid] = await listeners();
    assert.ok(pid, "a LISTEN connection");
    await sql("SELECT pg_terminate_backend($1)", [pid]);
    // Commit until one gets through: the listener is back.
    let i = 0;
    await next(received, () => false, 0).catch(() => {});
    const deadline = Date.now() + 10_000;
    while (!received.some((n) => n.stream.startsWith("after-")) && Date.now() < deadline) {
      await remote.commit(`after-${i++}`, [{ name: "A", data: {} }], meta);
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(received.some((n) => n.stream.startsWith("after-")), "delivered after the reconnect");
    const [again] = await listeners();
    assert.ok(again && again !== pid, "a new LISTEN connection");
  } finally {
    await stop();
  }
});

test("the disposer stops delivery and closes the connection", async () => {
  const received: StoreNotification[] = [];
  const stop = await local.notify!((n) => received.push(n));
  await stop();
  await remote.commit("late", [{ name: "A", data: {} }], meta);
  await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual(received, []);
  assert.deepEqual(await listeners(), []);
});
