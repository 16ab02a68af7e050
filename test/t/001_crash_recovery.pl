# Crash recovery: clients commit concurrently, the server is stopped with
# an immediate shutdown (no checkpoint, like a crash) mid-load, and after
# restart every commit acknowledged to a client is there exactly once,
# versions are contiguous per stream, ids unique, and the store works.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IPC::Run;

my $clients = 4;
my $commits_per_client = 400;
my $cycles = 2;

my $node = PostgreSQL::Test::Cluster->new('crash');
$node->init;
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION act_pg');

for my $cycle (1 .. $cycles) {
    # Each client commits to its own streams with an expected version and
    # prints the id of every commit the server acknowledged.
    my (@runs, @logs);
    for my $c (1 .. $clients) {
        my $sql = '';
        for my $i (0 .. $commits_per_client - 1) {
            my $stream = "c$cycle-$c-" . ($i % 7);
            $sql .= "SELECT id FROM act.commit('$stream', '[{\"name\":\"E\",\"data\":{\"i\":$i}}]');\n";
        }
        my $base = "$PostgreSQL::Test::Utils::tmp_check/client-$cycle-$c";
        PostgreSQL::Test::Utils::append_to_file("$base.sql", $sql);
        push @logs, "$base.acked";
        push @runs, IPC::Run::start(
            [ 'psql', '-X', '-At', '-v', 'ON_ERROR_STOP=1', '-d', $node->connstr('postgres'), '-f', "$base.sql" ],
            '<', '/dev/null', '>', "$base.acked", '2>', "$base.err");
    }

    # Crash mid-load: once some commits are in. (psql buffers its output
    # and writes it when it exits, after the crash: only acknowledged ids.)
    for (1 .. 600) {
        last if $node->safe_psql('postgres',
            "SELECT count(*) >= $clients * 20 FROM act.events WHERE stream LIKE 'c$cycle-%'") eq 't';
        select(undef, undef, undef, 0.05);
    }
    $node->stop('immediate');
    $_->finish for @runs;
    $node->start;

    my @acked = map { grep { /^\d+$/ } split /\n/, (-s $_ ? slurp_file($_) : '') } @logs;
    ok(@acked >= $clients * 20, "cycle $cycle: " . scalar(@acked) . " commits acknowledged before the crash");

    my $ids = join(',', @acked);
    my $present = $node->safe_psql('postgres',
        "SELECT count(*) FROM act.events WHERE stream LIKE 'c$cycle-%' AND id IN ($ids)");
    is($present, scalar(@acked), "cycle $cycle: every acknowledged commit survived");

    is($node->safe_psql('postgres', "SELECT count(*) - count(DISTINCT id) FROM act.events"),
        '0', "cycle $cycle: ids are unique");

    is($node->safe_psql('postgres', q{
        SELECT count(*) FROM (
            SELECT version, row_number() OVER (PARTITION BY stream ORDER BY version) - 1 AS expected
            FROM act.events) v
        WHERE version <> expected}),
        '0', "cycle $cycle: versions are contiguous in every stream");

    is($node->safe_psql('postgres', q{
        SELECT count(*) FROM (
            SELECT id, lag(id) OVER (PARTITION BY stream ORDER BY version) AS previous FROM act.events) v
        WHERE id < previous}),
        '0', "cycle $cycle: ids increase with versions in every stream");

    # The store works at once: commit with an expected version, read back.
    my $version = $node->safe_psql('postgres',
        "SELECT coalesce(max(version), -1) FROM act.events WHERE stream = 'c$cycle-1-0'");
    is($node->safe_psql('postgres',
        "SELECT version FROM act.commit('c$cycle-1-0', '[{\"name\":\"After\",\"data\":{}}]', expected_version => $version)"),
        $version + 1, "cycle $cycle: commit works after restart");
    is($node->safe_psql('postgres',
        "SELECT count(*) FROM act.query(stream => 'c$cycle-1-0', stream_exact => true, after => 0, names => '{After}')"),
        '1', "cycle $cycle: query works after restart");
}

$node->stop;
done_testing();
