# Failover: writers commit to a primary that streams to a standby, each
# client recording the (id, stream, version) the server returned; a
# consumer claims and acks; the primary is stopped with an immediate
# shutdown (like a crash) mid-load, and the standby is promoted. With a
# synchronous standby (synchronous_commit on or remote_apply) no
# acknowledged commit and no acknowledged ack may be lost; in every mode the
# promoted node's ids are unique, versions contiguous, and commit,
# subscribe, claim and ack work at once with ids above every existing id.
# The asynchronous mode may lose acknowledged commits: the test reports
# how many (README, "Running on replicas"), it does not require zero.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IPC::Run;

my $clients = 4;
my $commits_per_client = 2000;
my $streams_per_client = 5;

# A consumer loop on the primary: claim, read each lease's source after its
# watermark, ack to the last event read; each ack's rows are printed (RAISE
# NOTICE, sent at once) after its COMMIT returned, so every "acked" line is
# an acknowledged ack.
my $consumer_sql = <<'SQL';
DO $$
DECLARE
    leases jsonb;
    intent jsonb;
    done text;
BEGIN
    FOR i IN 1 .. 1000000 LOOP
        SELECT coalesce(jsonb_agg(to_jsonb(l)), '[]') INTO leases FROM act.claim(5, 0, 'worker', 600000) l;
        COMMIT;
        IF jsonb_array_length(leases) = 0 THEN
            PERFORM pg_sleep(0.01);
            CONTINUE;
        END IF;
        SELECT jsonb_agg(jsonb_build_object('stream', l->>'stream', 'by', 'worker', 'at', coalesce(
                   (SELECT max(e.id) FROM act.query(stream => l->>'source', stream_exact => true,
                                                    after => (l->>'at')::bigint) e),
                   (l->>'at')::bigint)))
        INTO intent FROM jsonb_array_elements(leases) l;
        SELECT coalesce(string_agg(a.stream || '=' || a.at, ' '), '') INTO done FROM act.ack(intent) a;
        COMMIT;
        RAISE NOTICE 'acked %', done;
    END LOOP;
END
$$;
SQL

# One failover: returns (acknowledged commits, lost ones).
sub failover
{
    my ($mode, $settings) = @_;
    my $primary = PostgreSQL::Test::Cluster->new("primary_$mode");
    $primary->init(allows_streaming => 1);
    $primary->start;
    $primary->safe_psql('postgres', 'CREATE EXTENSION act_pg');
    $primary->backup('base');
    my $standby = PostgreSQL::Test::Cluster->new("standby_$mode");
    $standby->init_from_backup($primary, 'base', has_streaming => 1);
    $standby->start;
    $primary->wait_for_catchup($standby);
    # Synchronous from here: the standby is streaming.
    $primary->append_conf('postgresql.conf', $settings);
    $primary->reload;
    $primary->poll_query_until('postgres', "SELECT count(*) = 1 FROM pg_stat_replication WHERE sync_state = '"
        . ($settings =~ /synchronous_standby_names/ ? 'sync' : 'async') . "'")
        or die "the standby is not in the expected sync state";

    $primary->safe_psql('postgres', "SELECT act.subscribe((SELECT jsonb_agg(jsonb_build_object("
        . "'stream', 'p-' || c || '-' || k, 'source', 'c-' || c || '-' || k))"
        . " FROM generate_series(1, $clients) c, generate_series(0, $streams_per_client - 1) k))");

    my (@runs, @logs);
    for my $c (1 .. $clients) {
        my $sql = '';
        for my $i (0 .. $commits_per_client - 1) {
            my $stream = "c-$c-" . ($i % $streams_per_client);
            $sql .= "SELECT id || ' ' || stream || ' ' || version FROM act.commit('$stream', '[{\"name\":\"E\",\"data\":{\"i\":$i}}]');\n";
        }
        my $base = "$PostgreSQL::Test::Utils::tmp_check/$mode-client-$c";
        PostgreSQL::Test::Utils::append_to_file("$base.sql", $sql);
        push @logs, "$base.acked";
        push @runs, IPC::Run::start(
            [ 'psql', '-X', '-At', '-v', 'ON_ERROR_STOP=1', '-d', $primary->connstr('postgres'), '-f', "$base.sql" ],
            '<', '/dev/null', '>', "$base.acked", '2>', "$base.err");
    }
    my $consumer_base = "$PostgreSQL::Test::Utils::tmp_check/$mode-consumer";
    PostgreSQL::Test::Utils::append_to_file("$consumer_base.sql", $consumer_sql);
    push @runs, IPC::Run::start(
        [ 'psql', '-X', '-At', '-d', $primary->connstr('postgres'), '-f', "$consumer_base.sql" ],
        '<', '/dev/null', '>', "$consumer_base.out", '2>', "$consumer_base.log");

    # The primary dies mid-load, once commits and acks are in.
    for (1 .. 1200) {
        last if $primary->safe_psql('postgres',
            "SELECT (SELECT count(*) >= $clients * 100 FROM act.events)"
            . " AND (SELECT count(*) >= 5 FROM act.events_streams WHERE at >= 0)") eq 't';
        select(undef, undef, undef, 0.05);
    }
    $primary->stop('immediate');
    $_->finish for @runs;
    $standby->promote;
    $standby->poll_query_until('postgres', 'SELECT NOT pg_is_in_recovery()')
        or die "the standby did not leave recovery";

    # psql writes a commit's row only once the server returned it.
    my @acked = map { grep { /^\d+ / } split /\n/, (-s $_ ? slurp_file($_) : '') } @logs;
    ok(@acked >= $clients * 50, "$mode: " . scalar(@acked) . " commits acknowledged before the failover");
    my $values = join(',', map { my ($id, $stream, $version) = split / /; "($id, '$stream', $version)" } @acked);
    my $lost = $standby->safe_psql('postgres',
        "SELECT count(*) FROM (VALUES $values) a(id, stream, version)"
        . " WHERE NOT EXISTS (SELECT FROM act.events e WHERE e.id = a.id AND e.stream = a.stream AND e.version = a.version)");

    is($standby->safe_psql('postgres', 'SELECT count(*) - count(DISTINCT id) FROM act.events'),
        '0', "$mode: ids are unique on the promoted node");
    is($standby->safe_psql('postgres', q{
        SELECT count(*) FROM (
            SELECT version, row_number() OVER (PARTITION BY stream ORDER BY version) - 1 AS expected
            FROM act.events) v
        WHERE version <> expected}),
        '0', "$mode: versions are contiguous in every stream on the promoted node");

    # Acks: the promoted node's watermark of each stream is at least the
    # highest one an acknowledged ack wrote (acks of a stream only move it
    # forward: one worker, leases that outlast the test).
    my %acked;
    for my $line (split /\n/, (-s "$consumer_base.log" ? slurp_file("$consumer_base.log") : '')) {
        next unless $line =~ /NOTICE:\s+acked (.*)$/;
        for (split / /, $1) {
            my ($stream, $at) = split /=/;
            $acked{$stream} = $at if !defined $acked{$stream} || $at > $acked{$stream};
        }
    }
    my %watermarks = map { split /\|/ } split /\n/, $standby->safe_psql('postgres',
        "SELECT stream || '|' || at FROM act.events_streams WHERE stream LIKE 'p-%'");
    my $acks_lost = grep { ($watermarks{$_} // -1) < $acked{$_} } keys %acked;
    ok(keys(%acked) > 0, "$mode: " . scalar(keys %acked) . " streams acked before the failover");

    # The promoted node works at once: ids continue above every existing
    # id (none handed out twice), and subscribe, claim and ack work.
    my $max_id = $standby->safe_psql('postgres', 'SELECT max(id) FROM act.events');
    my $version = $standby->safe_psql('postgres',
        "SELECT coalesce(max(version), -1) FROM act.events WHERE stream = 'c-1-0'");
    is($standby->safe_psql('postgres',
        "SELECT (id > $max_id) || ' ' || version FROM act.commit('c-1-0', '[{\"name\":\"After\",\"data\":{}}]', expected_version => $version)"),
        'true ' . ($version + 1), "$mode: commit after promotion continues the stream with an id above every existing id");
    $standby->safe_psql('postgres', q{SELECT act.subscribe('[{"stream":"after","source":"c-1-0","lane":"after"}]')});
    is($standby->safe_psql('postgres', "SELECT at FROM act.claim(1000, 0, 'after', 60000, lane => 'after')"),
        '-1', "$mode: claim works after promotion");
    my $last = $standby->safe_psql('postgres', "SELECT max(id) FROM act.events WHERE stream = 'c-1-0'");
    is($standby->safe_psql('postgres', "SELECT at FROM act.ack('[{\"stream\":\"after\",\"by\":\"after\",\"at\":$last}]')"),
        $last, "$mode: ack works after promotion");
    # The subscriptions the old primary's worker held: its leases outlast
    # the test, so it acks them on the promoted node; then a commit to each
    # source gives every subscription work, and one claim takes them all.
    my $continued = $standby->safe_psql('postgres', q{
        SELECT count(*) FROM act.ack((SELECT coalesce(jsonb_agg(jsonb_build_object('stream', stream, 'by', 'worker',
                   'at', (SELECT coalesce(max(e.id), -1) FROM act.events e WHERE e.stream = s.source))), '[]')
              FROM act.events_streams s WHERE leased_by = 'worker'))});
    note("$mode: $continued leases of the old primary's worker acked on the promoted node");
    $standby->safe_psql('postgres', "SELECT count(*) FROM generate_series(1, $clients) c, generate_series(0, $streams_per_client - 1) k,"
        . " act.commit('c-' || c || '-' || k, '[{\"name\":\"Again\",\"data\":{}}]')");
    is($standby->safe_psql('postgres', "SELECT count(*) FROM act.claim(1000, 0, 'w2', 60000) WHERE stream LIKE 'p-%'"),
        $clients * $streams_per_client, "$mode: every old subscription is claimed after a commit to its source");

    $standby->stop;
    return (scalar(@acked), $lost, $acks_lost);
}

my @modes = (
    [ 'remote_apply', "synchronous_standby_names = '*'\nsynchronous_commit = remote_apply\n", 1 ],
    [ 'sync_on', "synchronous_standby_names = '*'\nsynchronous_commit = on\n", 1 ],
    [ 'async', "synchronous_commit = on\n", 0 ],
);
for my $m (@modes) {
    my ($mode, $settings, $zero_loss) = @$m;
    my ($acked, $lost, $acks_lost) = failover($mode, $settings);
    note("failover $mode: $acked acknowledged commits, $lost lost, $acks_lost acknowledged acks lost");
    if ($zero_loss) {
        is($lost, '0', "$mode: no acknowledged commit lost ($acked acknowledged)");
        is($acks_lost, 0, "$mode: no acknowledged ack lost");
    }
}

done_testing();
