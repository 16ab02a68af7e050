import type {
  BlockedLease,
  Committed,
  Lease,
  Schemas,
  StreamPosition,
  StreamStats,
} from "@rotorsoft/act";

/** A row of act.event (or its JSON): already typed by the pool's parsers. */
export type EventRow = {
  id: number;
  name: string;
  data: Record<string, unknown>;
  stream: string;
  version: number;
  created: Date;
  meta: Record<string, unknown>;
  pii?: Record<string, unknown> | null;
};

export const event = <E extends Schemas>(r: EventRow): Committed<E, keyof E> =>
  ({
    id: r.id,
    name: r.name,
    data: r.data,
    stream: r.stream,
    version: r.version,
    created: r.created instanceof Date ? r.created : new Date(r.created),
    meta: r.meta,
    ...(r.pii == null ? {} : { pii: r.pii }),
  }) as unknown as Committed<E, keyof E>;

type LeaseRow = {
  stream: string;
  source: string | null;
  at: number;
  by: string;
  retry: number;
  lagging: boolean;
  lane: string;
};

export const lease = (r: LeaseRow): Lease => ({
  stream: r.stream,
  ...(r.source === null ? {} : { source: r.source }),
  at: r.at,
  by: r.by,
  retry: r.retry,
  lagging: r.lagging,
  lane: r.lane,
});

export const blocked = (r: LeaseRow & { error: string }): BlockedLease => ({
  ...lease(r),
  error: r.error,
});

type PositionRow = {
  stream: string;
  source: string | null;
  at: number;
  retry: number;
  blocked: boolean;
  error: string;
  leased_by: string | null;
  leased_until: Date | null;
  priority: number;
  lane: string;
  deferred_at: Date | null;
  correlated_at: number | null;
};

export const position = (r: PositionRow): StreamPosition => ({
  stream: r.stream,
  ...(r.source === null ? {} : { source: r.source }),
  at: r.at,
  retry: r.retry,
  blocked: r.blocked,
  error: r.error,
  priority: r.priority,
  ...(r.leased_by === null ? {} : { leased_by: r.leased_by }),
  ...(r.leased_until === null ? {} : { leased_until: r.leased_until }),
  lane: r.lane,
  ...(r.deferred_at === null ? {} : { deferred_at: r.deferred_at.getTime() }),
  ...(r.correlated_at === null ? {} : { correlated_at: r.correlated_at }),
});

type StatsRow = {
  stream: string;
  head: EventRow;
  tail: EventRow | null;
  count: number | null;
  names: Record<string, number> | null;
};

export const stats = <E extends Schemas>(r: StatsRow): StreamStats<E> => ({
  head: event<E>(r.head),
  ...(r.tail === null ? {} : { tail: event<E>(r.tail) }),
  ...(r.count === null ? {} : { count: r.count }),
  ...(r.names === null ? {} : { names: r.names as StreamStats<E>["names"] }),
});
