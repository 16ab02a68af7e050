/**
 * An act application end to end on PostgresStore: a small state machine
 * (an order: placed, paid, shipped, with invariants), a projection that
 * reacts to its events, and a reaction that moves the machine on; driven
 * by app.do, app.correlate and app.drain.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { InvariantError, act, projection, state, store as port } from "@rotorsoft/act";
import type { Actor } from "@rotorsoft/act";
import { z } from "zod";
import { PostgresStore } from "../src/index.js";
import { fresh } from "./helpers.js";

const Order = state({
  Order: z.object({ status: z.enum(["new", "placed", "paid", "shipped"]), total: z.number() }),
})
  .init(() => ({ status: "new" as const, total: 0 }))
  .emits({
    Placed: z.object({ total: z.number() }),
    Paid: z.object({ amount: z.number() }),
    Shipped: z.object({}),
  })
  .patch({
    Placed: ({ data }) => ({ status: "placed" as const, total: data.total }),
    Paid: () => ({ status: "paid" as const }),
    Shipped: () => ({ status: "shipped" as const }),
  })
  .on({ place: z.object({ total: z.number() }) })
  .given([{ description: "order is new", valid: (s) => s.status === "new" }])
  .emit((a) => ["Placed", { total: a.total }])
  .on({ pay: z.object({ amount: z.number() }) })
  .given([{ description: "order is placed", valid: (s) => s.status === "placed" }])
  .emit((a) => ["Paid", { amount: a.amount }])
  .on({ ship: z.object({}) })
  .given([{ description: "order is paid", valid: (s) => s.status === "paid" }])
  .emit(() => ["Shipped", {}])
  .build();

/** The read model the projection keeps: revenue and orders by status. */
const board = new Map<string, string>();
let revenue = 0;

const Board = projection("order-board")
  .on({ Placed: z.object({ total: z.number() }) })
  .do(async function placed({ stream }) {
    board.set(stream, "placed");
  })
  .on({ Paid: z.object({ amount: z.number() }) })
  .do(async function paid({ stream, data }) {
    board.set(stream, "paid");
    revenue += data.amount;
  })
  .on({ Shipped: z.object({}) })
  .do(async function shipped({ stream }) {
    board.set(stream, "shipped");
  })
  .build();

const actor: Actor = { id: "u1", name: "tester" };

// The app runs on PostgresStore: act's store port is a first-call-wins
// singleton, so it is set before the app is built.
const store: PostgresStore = await fresh("application");
port(store);

const app = act()
  .withState(Order)
  .withProjection(Board)
  // Shipping follows payment: a reaction on the order's own stream.
  .on("Paid")
  .do(async function ship(event, _stream, app) {
    await app.do("ship", { stream: event.stream, actor }, {}, { reactingTo: event });
  })
  .to((event) => ({ target: `shipping-${event.stream}`, source: event.stream }))
  .build();

before(() => {
  assert.equal(port(), store);
});
after(async () => {
  await app.shutdown();
  await store.dispose();
});

async function settle() {
  for (let i = 0; i < 20; i++) {
    await app.correlate({ after: -1, limit: 1000 });
    const { acked, blocked } = await app.drain({ streamLimit: 10, eventLimit: 100 });
    assert.deepEqual(blocked, []);
    if (!acked.length) return;
  }
}

test("the state machine commits on PostgresStore and refuses a bad transition", async () => {
  await app.do("place", { stream: "order-1", actor }, { total: 30 });
  await assert.rejects(app.do("ship", { stream: "order-1", actor }, {}), InvariantError);
  await app.do("pay", { stream: "order-1", actor }, { amount: 30 });
  const snap = await app.load(Order, "order-1");
  assert.deepEqual(snap.state, { status: "paid", total: 30 });
  assert.equal(snap.version, 1);
  const events: string[] = [];
  await store.query((e) => events.push(`${e.stream}.${e.name}`), { stream: "order-1", stream_exact: true });
  assert.deepEqual(events, ["order-1.Placed", "order-1.Paid"]);
});

test("drain runs the projection and the shipping reaction to the end", async () => {
  await app.do("place", { stream: "order-2", actor }, { total: 12 });
  await app.do("pay", { stream: "order-2", actor }, { amount: 12 });
  await app.do("place", { stream: "order-3", actor }, { total: 5 });
  await settle();
  assert.equal((await app.load(Order, "order-1")).state.status, "shipped");
  assert.equal((await app.load(Order, "order-2")).state.status, "shipped");
  assert.equal((await app.load(Order, "order-3")).state.status, "placed");
  assert.deepEqual(
    [...board.entries()].sort(),
    [["order-1", "shipped"], ["order-2", "shipped"], ["order-3", "placed"]],
  );
  assert.equal(revenue, 42);
});

test("the projection processes each event once, and the subscriptions are caught up", async () => {
  await app.do("pay", { stream: "order-3", actor }, { amount: 5 });
  await settle();
  assert.equal(revenue, 47);
  await settle();
  assert.equal(revenue, 47);
  assert.deepEqual(await store.claim(100, 100, "probe", 1), []);
  const positions: string[] = [];
  await store.query_streams((p) => positions.push(`${p.stream}:${p.blocked}`));
  assert.ok(positions.includes("order-board:false"));
  assert.ok(positions.includes("shipping-order-3:false"));
});

test("a concurrent write is refused with the framework's ConcurrencyError", async () => {
  const { ConcurrencyError } = await import("@rotorsoft/act");
  await app.do("place", { stream: "order-9", actor }, { total: 1 });
  await assert.rejects(
    app.do("pay", { stream: "order-9", actor, expectedVersion: 5 } as never, { amount: 1 }),
    ConcurrencyError,
  );
});
