export { PostgresStore } from "./postgres-store.js";
export type { Config } from "./config.js";
