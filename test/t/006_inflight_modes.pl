# The two places in-flight ids live (src/inflight.hpp): advisory locks
# after a plain CREATE EXTENSION, a shared-memory registry when act_pg is
# in shared_preload_libraries. The same cluster runs in each mode; in both,
# a reader's horizon waits for a transaction in flight, a subtransaction's
# mark passes to its parent or goes with it, and the limits hold.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('modes');
$node->init;
$node->append_conf('postgresql.conf', "max_prepared_transactions = 2\n");
$node->start;
$node->safe_psql('postgres', "CREATE EXTENSION act_pg");
$node->safe_psql('postgres', "SELECT act.seed('s' || i) FROM generate_series(1, 17) i");

sub commit_sql
{
    my ($stream) = @_;
    return "SELECT id FROM act.commit('$stream', '[{\"name\":\"E\",\"data\":{}}]')";
}
my $max = "SELECT act.max_event_id()";
my $id_locks = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 16642";  # 0x4102

for my $mode ('locks', 'shared') {
    if ($mode eq 'shared') {
        $node->stop;
        $node->append_conf('postgresql.conf', "shared_preload_libraries = 'act_pg'\n");
        $node->start;
    }
    my $writer = $node->background_psql('postgres', on_error_stop => 0);

    # A transaction in flight holds the horizon at its first id.
    $writer->query_safe('BEGIN');
    my $first = $writer->query_safe(commit_sql("w-$mode"));
    my $later = $node->safe_psql('postgres', commit_sql("r-$mode"));
    cmp_ok($node->safe_psql('postgres', $max), '<', $first, "$mode: the horizon waits for a commit in flight");
    is($node->safe_psql('postgres', $id_locks), $mode eq 'locks' ? '1' : '0',
        "$mode: the in-flight id is " . ($mode eq 'locks' ? 'an advisory lock' : 'not in the lock table'));
    $writer->query_safe('COMMIT');
    is($node->safe_psql('postgres', $max), $later, "$mode: after COMMIT the horizon passes both");

    # A rolled-back subtransaction's mark goes with it; a released one's
    # passes to its parent.
    $writer->query_safe('BEGIN');
    $writer->query_safe('SAVEPOINT a');
    $writer->query_safe(commit_sql("w-$mode"));
    $writer->query_safe('ROLLBACK TO a');
    $later = $node->safe_psql('postgres', commit_sql("r-$mode"));
    is($node->safe_psql('postgres', $max), $later, "$mode: a rolled-back savepoint holds nothing back");
    $writer->query_safe('SAVEPOINT b');
    $first = $writer->query_safe(commit_sql("w-$mode"));
    $writer->query_safe('RELEASE b');
    $node->safe_psql('postgres', commit_sql("r-$mode"));
    cmp_ok($node->safe_psql('postgres', $max), '<', $first, "$mode: a released savepoint's id stays in flight");
    $writer->query_safe('COMMIT');

    # PREPARE: the lock follows the prepared transaction; the registry
    # cannot.
    # The writer reads the horizon first: its own ids never hold it back.
    $writer->query_safe('BEGIN');
    $first = $writer->query_safe(commit_sql("w-$mode"));
    cmp_ok($writer->query_safe($max), '>=', $first, "$mode: a transaction's own ids do not hold its horizon");
    my $prepared = $writer->query("PREPARE TRANSACTION 'p'");
    if ($mode eq 'locks') {
        is($writer->{stderr}, '', 'locks: a transaction that committed events can be prepared');
        $node->safe_psql('postgres', commit_sql("r-$mode"));
        cmp_ok($node->safe_psql('postgres', $max), '<', $first, 'locks: the prepared transaction holds the horizon');
        cmp_ok($writer->query_safe($max), '<', $first,
            'locks: ... also in the backend that prepared it, whose earlier horizon passed its ids');
        $node->safe_psql('postgres', "COMMIT PREPARED 'p'");
    }
    else {
        like($writer->{stderr}, qr/cannot PREPARE a transaction that drew act_pg event ids/,
            'shared: PREPARE TRANSACTION is refused');
        $writer->{stderr} = '';
    }
    is($node->safe_psql('postgres', "SELECT count(*) FROM pg_prepared_xacts"), '0', "$mode: nothing is left prepared");

    # One transaction writes events to at most 16 stores.
    my ($ret, $out, $err) = $node->psql('postgres',
        "DO \$\$ BEGIN FOR i IN 1 .. 17 LOOP PERFORM set_config('act.store', 's' || i || '.events', true);"
          . " PERFORM act.commit('x', '[{\"name\":\"E\",\"data\":{}}]'); END LOOP; END \$\$");
    like($err, qr/at most 16 act_pg stores/, "$mode: the 17th store of one transaction is refused (54000)");
    $writer->quit;
}
is($node->safe_psql('postgres', "SHOW shared_preload_libraries"), 'act_pg', 'the second mode ran preloaded');

$node->stop;
done_testing();
