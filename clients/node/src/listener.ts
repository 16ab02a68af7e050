import type { StoreNotification } from "@rotorsoft/act";
import pg from "pg";
import { SQL } from "./sql.js";

/** act_pg's notification payload: the commit, and who made it (act.writer). */
type Payload = StoreNotification & { by?: string };

/** Delay before the first reconnect attempt, doubled up to MAX_DELAY_MS. */
const FIRST_DELAY_MS = 50;
const MAX_DELAY_MS = 5_000;

/**
 * One LISTEN connection on a store's channel, kept open: when the
 * connection drops (server restart, pg_terminate_backend, network), it
 * reconnects and LISTENs again, with a backoff, until closed. Commits made
 * while it was down are not replayed (PostgreSQL keeps no notifications for
 * a session that is gone): notify is a hint, and readers catch up with
 * `query({ after })`.
 */
export class Listener {
  private client: pg.Client | undefined;
  private closed = false;
  private timer: NodeJS.Timeout | undefined;
  private delay = FIRST_DELAY_MS;
  /** Resolves when the first LISTEN is in place. */
  readonly ready: Promise<void>;

  constructor(
    private readonly config: pg.ClientConfig,
    private readonly channel: string,
    private readonly writer: string,
    private readonly handler: (n: StoreNotification) => void,
    /** Called after each reconnect (tests wait on it). */
    private readonly onConnect: () => void = () => {},
  ) {
    // A first connection that fails is the caller's error, not a retry.
    this.ready = this.connect().catch(async (error) => {
      await this.close();
      throw error;
    });
  }

  /** The backend pid of the current connection, if connected. */
  get pid(): number | undefined {
    return (this.client as unknown as { processID?: number } | undefined)?.processID;
  }

  private async connect(): Promise<void> {
    const client = new pg.Client(this.config);
    client.on("error", () => this.drop(client));
    client.on("end", () => this.drop(client));
    client.on("notification", (msg) => this.deliver(msg));
    await client.connect();
    await client.query(SQL.listen(this.channel));
    if (this.closed) {
      await client.end();
      return;
    }
    this.client = client;
    this.delay = FIRST_DELAY_MS;
    this.onConnect();
  }

  private deliver(msg: pg.Notification) {
    if (msg.channel !== this.channel || !msg.payload) return;
    const { stream, events, by } = JSON.parse(msg.payload) as Payload;
    if (by === this.writer) return;
    this.handler({ stream, events });
  }

  private drop(client: pg.Client) {
    if (this.client !== client) return;
    this.client = undefined;
    client.removeAllListeners("notification");
    client.end().catch(() => {});
    this.retry();
  }

  private retry() {
    if (this.closed || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.closed) return;
      this.connect().catch(() => {
        this.delay = Math.min(this.delay * 2, MAX_DELAY_MS);
        this.retry();
      });
    }, this.delay);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const client = this.client;
    this.client = undefined;
    if (client) {
      client.removeAllListeners("notification");
      await client.end().catch(() => {});
    }
  }
}
