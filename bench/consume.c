/*
 * The consumer cycle of bench/consume.sh: WORKERS processes, each with its
 * own connection, repeat claim -> read each leased stream's source after its
 * watermark -> ack, for SECONDS, as an application's workers would: each
 * statement a round trip, prepared once. Prints one line:
 *
 *   <events read> <cycles> <empty claims> <seconds>
 *
 * With -d (drain) a worker also stops at its first empty claim: the
 * workers drain the work there is, and <seconds> is how long that took (at
 * most SECONDS).
 *
 *   consume [-d] act    WORKERS SECONDS LEASES MAX_ROWS
 *   consume [-d] client WORKERS SECONDS LEASES MAX_ROWS EVENTS_TABLE SUBSCRIPTIONS_TABLE
 *
 * act:    act.claim, act.query(stream, stream_exact, after, max_rows),
 *         act.ack (the store of the act.store setting, e.g. from PGOPTIONS).
 * client: the client-side pattern act_pg replaces, over plain tables: the
 *         claim as BEGIN; SELECT ... FOR UPDATE SKIP LOCKED; UPDATE; COMMIT,
 *         the read as a plain SELECT, the ack as one UPDATE.
 *
 * The connection comes from the PG* environment variables. The workers
 * connect and prepare first; the clock starts when all are ready.
 */
#include <libpq-fe.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { max_leases = 1000 };

struct lease {
    char stream[128];
    char source[128];
    long long at;
};

static int use_act;
static int drain;

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static void die(PGconn *conn, const char *what)
{
    fprintf(stderr, "consume: %s: %s", what, PQerrorMessage(conn));
    exit(1);
}

/* Runs a prepared statement; fails unless it returns `status`. */
static PGresult *run(PGconn *conn, const char *name, int n, const char *const *values, ExecStatusType status)
{
    PGresult *res = PQexecPrepared(conn, name, n, values, NULL, NULL, 0);
    if (PQresultStatus(res) != status)
        die(conn, name);
    return res;
}

static void prepare(PGconn *conn, const char *name, const char *sql)
{
    PGresult *res = PQprepare(conn, name, sql, 0, NULL);
    if (PQresultStatus(res) != PGRES_COMMAND_OK)
        die(conn, name);
    PQclear(res);
}

static void prepare_all(PGconn *conn, const char *events, const char *subs)
{
    char sql[2048];
    if (use_act) {
        prepare(conn, "claim", "SELECT stream, source, at FROM act.claim($1, 0, $2, $3)");
        prepare(conn, "read",
                "SELECT id, name, data, stream, version, created, meta"
                " FROM act.query(stream => $1, stream_exact => true, after => $2, max_rows => $3)");
        prepare(conn, "ack", "SELECT * FROM act.ack($1)");
        return;
    }
    prepare(conn, "begin", "BEGIN");
    prepare(conn, "commit", "COMMIT");
    /* Has work: the source's last event (not a snapshot) is past the
     * watermark, one probe of the (stream, version) index per row read. */
    snprintf(sql, sizeof sql,
             "SELECT stream, source, at FROM %2$s s"
             " WHERE NOT blocked AND (leased_by IS NULL OR leased_until <= now())"
             "   AND (at < 0 OR at < (SELECT id FROM %1$s e WHERE e.stream = s.source"
             "                        AND e.name <> '__snapshot__' ORDER BY version DESC LIMIT 1))"
             " ORDER BY priority DESC, at LIMIT $1 FOR UPDATE SKIP LOCKED",
             events, subs);
    prepare(conn, "pick", sql);
    snprintf(sql, sizeof sql,
             "UPDATE %s SET leased_by = $1, leased_until = now() + $2 * interval '1 millisecond',"
             " retry = retry + 1 WHERE stream = ANY($3::text[])",
             subs);
    prepare(conn, "lease", sql);
    snprintf(sql, sizeof sql,
             "SELECT id, name, data, stream, version, created, meta FROM %s"
             " WHERE stream = $1 AND id > $2 AND name <> '__snapshot__' ORDER BY version LIMIT $3",
             events);
    prepare(conn, "read", sql);
    snprintf(sql, sizeof sql,
             "UPDATE %s s SET at = a.at, retry = -1, leased_by = NULL, leased_until = NULL"
             " FROM unnest($1::text[], $2::bigint[]) a(stream, at)"
             " WHERE s.stream = a.stream AND s.leased_by = $3 RETURNING s.stream, s.at",
             subs);
    prepare(conn, "ack", sql);
}

/* Copies a text column into a fixed buffer, failing on overflow. */
static void copy(char *to, size_t size, const char *from)
{
    if (strlen(from) >= size) {
        fprintf(stderr, "consume: name too long: %s\n", from);
        exit(1);
    }
    strcpy(to, from);
}

/* Appends to a growing buffer. */
static void append(char **buf, size_t *len, size_t *cap, const char *s)
{
    size_t n = strlen(s);
    if (*len + n + 1 > *cap) {
        *cap = 2 * (*len + n + 1);
        *buf = realloc(*buf, *cap);
        if (!*buf)
            exit(1);
    }
    memcpy(*buf + *len, s, n + 1);
    *len += n;
}

/* Claims up to `leases` streams into `out`; returns how many. */
static int claim(PGconn *conn, const char *leases, const char *by, struct lease *out)
{
    const char *millis = "60000";
    PGresult *res;
    if (use_act) {
        const char *args[] = {leases, by, millis};
        res = run(conn, "claim", 3, args, PGRES_TUPLES_OK);
    } else {
        PQclear(run(conn, "begin", 0, NULL, PGRES_COMMAND_OK));
        const char *args[] = {leases};
        res = run(conn, "pick", 1, args, PGRES_TUPLES_OK);
    }
    int n = PQntuples(res);
    if (n > max_leases)
        n = max_leases;
    for (int i = 0; i < n; i++) {
        copy(out[i].stream, sizeof out[i].stream, PQgetvalue(res, i, 0));
        copy(out[i].source, sizeof out[i].source, PQgetvalue(res, i, 1));
        out[i].at = atoll(PQgetvalue(res, i, 2));
    }
    PQclear(res);
    if (!use_act) {
        char *names = NULL;
        size_t len = 0, cap = 0;
        append(&names, &len, &cap, "{");
        for (int i = 0; i < n; i++) {
            if (i)
                append(&names, &len, &cap, ",");
            append(&names, &len, &cap, out[i].stream);
        }
        append(&names, &len, &cap, "}");
        const char *args[] = {by, millis, names};
        PQclear(run(conn, "lease", 3, args, PGRES_COMMAND_OK));
        PQclear(run(conn, "commit", 0, NULL, PGRES_COMMAND_OK));
        free(names);
    }
    return n;
}

/* Reads the lease's source after its watermark; moves `at` to the last
 * event read; returns how many events. */
static int read_source(PGconn *conn, struct lease *l, const char *max_rows)
{
    char after[32];
    snprintf(after, sizeof after, "%lld", l->at);
    const char *args[] = {l->source, after, max_rows};
    PGresult *res = run(conn, "read", 3, args, PGRES_TUPLES_OK);
    int n = PQntuples(res);
    if (n > 0)
        l->at = atoll(PQgetvalue(res, n - 1, 0));
    PQclear(res);
    return n;
}

/* Acknowledges the leases at their new watermarks. */
static void ack(PGconn *conn, const char *by, const struct lease *l, int n)
{
    char *a = NULL, *b = NULL;
    size_t alen = 0, acap = 0, blen = 0, bcap = 0;
    char item[512];
    append(&a, &alen, &acap, use_act ? "[" : "{");
    append(&b, &blen, &bcap, "{");
    for (int i = 0; i < n; i++) {
        if (use_act)
            snprintf(item, sizeof item, "%s{\"stream\": \"%s\", \"by\": \"%s\", \"at\": %lld}", i ? ", " : "",
                     l[i].stream, by, l[i].at);
        else
            snprintf(item, sizeof item, "%s%s", i ? "," : "", l[i].stream);
        append(&a, &alen, &acap, item);
        snprintf(item, sizeof item, "%s%lld", i ? "," : "", l[i].at);
        append(&b, &blen, &bcap, item);
    }
    append(&a, &alen, &acap, use_act ? "]" : "}");
    append(&b, &blen, &bcap, "}");
    if (use_act) {
        const char *args[] = {a};
        PQclear(run(conn, "ack", 1, args, PGRES_TUPLES_OK));
    } else {
        const char *args[] = {a, b, by};
        PQclear(run(conn, "ack", 3, args, PGRES_TUPLES_OK));
    }
    free(a);
    free(b);
}

/* One worker: connect, prepare, say ready, wait for the start, then cycle
 * until the time is up; writes its counts to `result`. */
static void worker(int id, double seconds, const char *leases, const char *max_rows, const char *events,
                   const char *subs, int ready, int go, int result)
{
    PGconn *conn = PQconnectdb("");
    if (PQstatus(conn) != CONNECTION_OK)
        die(conn, "connect");
    prepare_all(conn, events, subs);
    char by[32];
    snprintf(by, sizeof by, "worker-%d", id);
    struct lease *l = calloc(max_leases, sizeof *l);
    if (!l)
        exit(1);

    char c = 'r';
    if (write(ready, &c, 1) != 1)
        exit(1);
    close(ready);
    if (read(go, &c, 1) != 0) /* returns 0 when the parent closes it */
        exit(1);

    long long n_events = 0, cycles = 0, empty = 0;
    double end = now() + seconds;
    while (now() < end) {
        int n = claim(conn, leases, by, l);
        cycles++;
        if (n == 0) {
            empty++;
            if (drain)
                break;
            continue;
        }
        for (int i = 0; i < n; i++)
            n_events += read_source(conn, &l[i], max_rows);
        ack(conn, by, l, n);
    }
    char line[128];
    int len = snprintf(line, sizeof line, "%lld %lld %lld\n", n_events, cycles, empty);
    if (write(result, line, len) != len)
        exit(1);
    PQfinish(conn);
    exit(0);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "-d") == 0) {
        drain = 1;
        argc--;
        argv++;
    }
    if (argc < 6 || (strcmp(argv[1], "act") != 0 && strcmp(argv[1], "client") != 0) ||
        (strcmp(argv[1], "client") == 0 && argc < 8)) {
        fprintf(stderr, "usage: consume [-d] act|client WORKERS SECONDS LEASES MAX_ROWS [EVENTS_TABLE SUBSCRIPTIONS_TABLE]\n");
        return 2;
    }
    use_act = strcmp(argv[1], "act") == 0;
    int workers = atoi(argv[2]);
    double seconds = atof(argv[3]);
    const char *events = use_act ? "" : argv[6];
    const char *subs = use_act ? "" : argv[7];

    if (workers < 1 || workers > 64)
        return 2;
    pid_t pids[64];
    int ready[2], go[2], result[2];
    if (pipe(ready) || pipe(go) || pipe(result))
        return 1;
    for (int i = 0; i < workers; i++) {
        pid_t pid = fork();
        if (pid < 0)
            return 1;
        pids[i] = pid;
        if (pid == 0) {
            close(go[1]);
            close(ready[0]);
            close(result[0]);
            worker(i + 1, seconds, argv[4], argv[5], events, subs, ready[1], go[0], result[1]);
        }
    }
    close(go[0]);
    close(ready[1]);
    close(result[1]);
    /* Each worker writes one byte and closes its end: fewer bytes before
     * the end of the pipe means one failed to start. */
    char c;
    for (int i = 0; i < workers; i++)
        if (read(ready[0], &c, 1) != 1) {
            fprintf(stderr, "consume: a worker failed to start\n");
            for (int j = 0; j < workers; j++)
                kill(pids[j], SIGTERM);
            return 1;
        }
    double start = now();
    close(go[1]);

    int failed = 0, status;
    while (wait(&status) > 0)
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            failed = 1;
    double elapsed = now() - start;
    if (failed) {
        fprintf(stderr, "consume: a worker failed\n");
        return 1;
    }
    long long total[3] = {0, 0, 0}, v[3];
    FILE *f = fdopen(result[0], "r");
    while (fscanf(f, "%lld %lld %lld", &v[0], &v[1], &v[2]) == 3)
        for (int i = 0; i < 3; i++)
            total[i] += v[i];
    printf("%lld %lld %lld %.3f\n", total[0], total[1], total[2], elapsed);
    return 0;
}
