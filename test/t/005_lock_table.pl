# Bounded lock-table entries: on a server with PostgreSQL's default lock
# table (max_locks_per_transaction 64, max_connections 100), one
# transaction commits to 200,000 streams, subscribes 200,000 literal
# sources, claims and acks 200,000 leases, and truncates 200,000 streams,
# each holding at most K entries of the shared lock table; while the
# 200,000-stream commit is open, four other sessions commit and claim
# without an error.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IPC::Run;

my $n = 200_000;

# K: the stream locks a transaction takes one by one (max_stream_locks in
# src/stream_lock.hpp), the store's lock, the in-flight id mark, and the
# transaction's own xid and relation locks beyond the 16 fast-path slots.
my $K = 40;

my $node = PostgreSQL::Test::Cluster->new('locks');
$node->init;
$node->append_conf('postgresql.conf', "max_connections = 100\nmax_locks_per_transaction = 64\nlog_statement = none\n");
$node->start;
$node->safe_psql('postgres', "CREATE EXTENSION act_pg; SELECT act.seed('other')");

# Lock-table entries a backend holds: every pg_locks row that is not in a
# fast-path slot.
my $entries = "(SELECT count(*) FROM pg_locks WHERE pid = pg_backend_pid() AND NOT fastpath)";

sub run_in_transaction
{
    my ($what, $sql, $check) = @_;
    my $out = $node->safe_psql('postgres', "BEGIN; $sql; SELECT $entries; COMMIT;");
    my @lines = split /\n/, $out;
    cmp_ok($lines[-1], '<=', $K, "$what: the transaction held $lines[-1] lock-table entries (K = $K)");
    is($node->safe_psql('postgres', $check), 't', "$what: done") if $check;
}

# One transaction commits to 200,000 streams, and stays open while four
# other sessions work.
$node->safe_psql('postgres', "SELECT act.subscribe('[{\"stream\":\"q1\",\"source\":\"x1\"},{\"stream\":\"q2\"}]')");
my $bulk = $node->background_psql('postgres', on_error_stop => 1);
$bulk->query_safe('BEGIN');
$bulk->query_safe("DO \$\$ BEGIN FOR i IN 1 .. $n LOOP"
    . " PERFORM act.commit('s' || i, '[{\"name\":\"Imported\",\"data\":{}}]', expected_version => -1);"
    . " END LOOP; END \$\$");
my $held = $bulk->query_safe("SELECT $entries");
cmp_ok($held, '<=', $K, "commit to $n streams: the transaction holds $held lock-table entries (K = $K)");

# Beside it: two sessions commit to act.events (they wait for the bulk
# transaction, which holds every stream of the store, and go on after it),
# two claim in act.events and commit to another store (they go on at
# once).
my (@waiting, @running, %err);
for my $k (1 .. 4) {
    my $sql = $k <= 2
      ? "DO \$\$ BEGIN FOR i IN 1 .. 200 LOOP PERFORM act.commit('w$k-' || (i % 7), '[{\"name\":\"E\",\"data\":{}}]'); COMMIT; END LOOP; END \$\$;"
      : "DO \$\$ BEGIN FOR i IN 1 .. 200 LOOP PERFORM act.claim(2, 1, 'c$k', 1); COMMIT;"
        . " SET LOCAL act.store = 'other.events'; PERFORM act.commit('o$k-' || (i % 7), '[{\"name\":\"E\",\"data\":{}}]'); COMMIT; END LOOP; END \$\$;";
    $err{$k} = '';
    my $h = IPC::Run::start([ 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', $node->connstr('postgres'), '-c', $sql ],
        '<', '/dev/null', '>', \my $out, '2>', \$err{$k}, IPC::Run::timeout(600));
    push @{ $k <= 2 ? \@waiting : \@running }, [ $k, $h ];
}
for (@running) {
    my ($k, $h) = @$_;
    ok($h->finish, "session $k claimed and committed while the bulk transaction was open: no error $err{$k}");
}
is($node->safe_psql('postgres', "SELECT count(*) FROM act.events WHERE stream LIKE 'w%'"), '0',
    'sessions committing to the same store wait for the bulk transaction');
$bulk->query_safe('COMMIT');
$bulk->quit;
for (@waiting) {
    my ($k, $h) = @$_;
    ok($h->finish, "session $k committed after the bulk transaction ended: no error $err{$k}");
}
is($node->safe_psql('postgres', "SELECT count(*) FROM act.events WHERE stream ~ '^s[0-9]+\$'"), $n,
    "$n streams committed in one transaction");
is($node->safe_psql('postgres', "SELECT count(*) FROM act.events WHERE stream LIKE 'w%'"), '400',
    'the waiting sessions committed every event');

# act.subscribe of 200,000 literal sources in one call.
run_in_transaction("subscribe $n literal sources",
    "SELECT act.subscribe((SELECT jsonb_agg(jsonb_build_object('stream', 'p' || i, 'source', 's' || i))"
    . " FROM generate_series(1, $n) i))",
    "SELECT count(*) = $n FROM act.events_streams WHERE stream ~ '^p[0-9]+\$' AND mark >= 0");

# Claim and ack of 200,000 leases, one call each, in one transaction.
run_in_transaction("claim and ack $n leases",
    "CREATE TEMP TABLE claimed AS SELECT * FROM act.claim($n + 2, 0, 'bulk', 600000) WHERE stream ~ '^p[0-9]+\$';"
    . " SELECT count(*) FROM act.ack((SELECT jsonb_agg(jsonb_build_object('stream', c.stream, 'by', 'bulk', 'at', e.id))"
    . " FROM claimed c JOIN act.events e ON e.stream = c.source))",
    "SELECT count(*) = $n FROM act.events_streams s WHERE stream ~ '^p[0-9]+\$' AND leased_by IS NULL AND at = mark");

# act.truncate of 200,000 targets in one call.
run_in_transaction("truncate $n targets",
    "SELECT count(*) FROM act.truncate((SELECT jsonb_agg(jsonb_build_object('stream', 's' || i))"
    . " FROM generate_series(1, $n) i))",
    "SELECT count(*) = $n FROM act.events WHERE stream ~ '^s[0-9]+\$' AND name = '__tombstone__'");

$node->stop;
done_testing();
