# Crash recovery: clients commit and consumers claim, read and ack
# concurrently, the server is stopped with an immediate shutdown (no
# checkpoint, like a crash) mid-load, and after restart every commit
# acknowledged to a client is there exactly once, versions are contiguous
# per stream, ids unique, no consumer's watermark is lost or points past
# what its consumer acknowledged, and the store works at once.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IPC::Run;
use JSON::PP;

my $clients = 4;
my $commits_per_client = 400;
my $streams_per_client = 7;
my $consumers = 2;
my $cycles = 5;

# A consumer: one DO block that loops claim -> read each lease's source
# after its watermark -> ack up to the last event read, committing after
# the claim and after the ack. It reports each ack twice with RAISE
# NOTICE, which the server sends at once (psql writes it to stderr
# unbuffered): "intent" before the ack runs, "acked" with the rows act.ack
# returned, after COMMIT returned. So every "acked" is durable, and an ack
# that committed without its "acked" reaching the log (the crash came in
# between) is its consumer's last "intent".
sub consumer_sql
{
    my ($by) = @_;
    return <<"SQL";
DO \$\$
DECLARE
    leases jsonb;
    intent jsonb;
    done jsonb;
BEGIN
    FOR i IN 1 .. 100000 LOOP
        SELECT coalesce(jsonb_agg(to_jsonb(l)), '[]') INTO leases FROM act.claim(3, 1, '$by', 60000) l;
        COMMIT;
        IF jsonb_array_length(leases) = 0 THEN
            PERFORM pg_sleep(0.01);
            CONTINUE;
        END IF;
        SELECT jsonb_agg(jsonb_build_object('stream', l->>'stream', 'by', '$by', 'at', coalesce(
                   (SELECT max(e.id) FROM act.query(stream => l->>'source', stream_exact => true,
                                                    after => (l->>'at')::bigint) e),
                   (l->>'at')::bigint)))
        INTO intent FROM jsonb_array_elements(leases) l;
        RAISE NOTICE 'intent %', intent;
        SELECT coalesce(jsonb_agg(jsonb_build_object('stream', a.stream, 'at', a.at)), '[]')
        INTO done FROM act.ack(intent) a;
        COMMIT;
        RAISE NOTICE 'acked %', done;
    END LOOP;
END
\$\$;
SQL
}

# What a consumer's log allows for each stream: `acked`, the watermarks
# that acks committed (stream => [at, ...]); `unconfirmed`, those of its
# last intent when no "acked" followed it (it may or may not have
# committed). An acked row whose watermark is not the one intended goes
# to `wrong`.
sub read_consumer_log
{
    my ($file, $acked, $unconfirmed, $wrong) = @_;
    my %intent;
    for my $line (split /\n/, (-s $file ? slurp_file($file) : '')) {
        next unless $line =~ /NOTICE:\s+(intent|acked) (.*)$/;
        my ($kind, $rows) = ($1, decode_json($2));
        if ($kind eq 'intent') {
            %intent = map { $_->{stream} => $_->{at} } @$rows;
            next;
        }
        for (@$rows) {
            push @{ $acked->{ $_->{stream} } }, $_->{at};
            push @$wrong, "$_->{stream} acked at $_->{at}, intended " . ($intent{ $_->{stream} } // 'nothing')
                unless defined $intent{ $_->{stream} } && $intent{ $_->{stream} } == $_->{at};
        }
        %intent = ();
    }
    push @{ $unconfirmed->{$_} }, $intent{$_} for keys %intent;
}

my $node = PostgreSQL::Test::Cluster->new('crash');
$node->init;
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION act_pg');

for my $cycle (1 .. $cycles) {
    is($node->safe_psql('postgres', 'SHOW shared_preload_libraries'), $cycle % 2 ? '' : 'act_pg',
        "cycle $cycle: act_pg " . ($cycle % 2 ? 'created only' : 'preloaded'));
    # One subscription per client stream, its source that literal stream.
    $node->safe_psql('postgres', "SELECT act.subscribe((SELECT jsonb_agg(jsonb_build_object("
        . "'stream', 'p$cycle-' || c || '-' || k, 'source', 'c$cycle-' || c || '-' || k))"
        . " FROM generate_series(1, $clients) c, generate_series(0, $streams_per_client - 1) k))");

    # Each client commits to its own streams with an expected version and
    # prints the id of every commit the server acknowledged.
    my (@runs, @logs);
    for my $c (1 .. $clients) {
        my $sql = '';
        for my $i (0 .. $commits_per_client - 1) {
            my $stream = "c$cycle-$c-" . ($i % $streams_per_client);
            $sql .= "SELECT id FROM act.commit('$stream', '[{\"name\":\"E\",\"data\":{\"i\":$i}}]');\n";
        }
        my $base = "$PostgreSQL::Test::Utils::tmp_check/client-$cycle-$c";
        PostgreSQL::Test::Utils::append_to_file("$base.sql", $sql);
        push @logs, "$base.acked";
        push @runs, IPC::Run::start(
            [ 'psql', '-X', '-At', '-v', 'ON_ERROR_STOP=1', '-d', $node->connstr('postgres'), '-f', "$base.sql" ],
            '<', '/dev/null', '>', "$base.acked", '2>', "$base.err");
    }

    my @consumer_logs;
    for my $k (1 .. $consumers) {
        my $base = "$PostgreSQL::Test::Utils::tmp_check/consumer-$cycle-$k";
        PostgreSQL::Test::Utils::append_to_file("$base.sql", consumer_sql("k$cycle-$k"));
        push @consumer_logs, "$base.log";
        push @runs, IPC::Run::start(
            [ 'psql', '-X', '-At', '-d', $node->connstr('postgres'), '-f', "$base.sql" ],
            '<', '/dev/null', '>', "$base.out", '2>', "$base.log");
    }

    # Crash mid-load: once some commits are in and some watermarks moved.
    # (psql buffers its output and writes it when it exits, after the
    # crash: only acknowledged ids.)
    for (1 .. 600) {
        last if $node->safe_psql('postgres',
            "SELECT (SELECT count(*) >= $clients * 20 FROM act.events WHERE stream LIKE 'c$cycle-%')"
            . " AND (SELECT count(*) >= 5 FROM act.events_streams WHERE stream LIKE 'p$cycle-%' AND at >= 0)") eq 't';
        select(undef, undef, undef, 0.05);
    }
    $node->stop('immediate');
    $_->finish for @runs;
    # Cycles alternate the two modes of in-flight ids (src/inflight.hpp):
    # the even ones run with act_pg preloaded.
    $node->append_conf('postgresql.conf', "shared_preload_libraries = '" . ($cycle % 2 ? 'act_pg' : '') . "'\n");
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

    # Consumers: every watermark is one that an ack committed (or -1), and
    # none that an acknowledged ack wrote is lost. The consumers' acks of a
    # stream only move it forward (each acks at least the watermark it
    # claimed, and leases outlast the test), so the watermark is at least
    # the highest acknowledged one.
    my (%acked, %unconfirmed, @wrong);
    read_consumer_log($_, \%acked, \%unconfirmed, \@wrong) for @consumer_logs;
    is(join("\n", @wrong), '', "cycle $cycle: each ack returned the watermark it was given");
    my $acks = 0;
    $acks += scalar(@{ $acked{$_} }) for keys %acked;
    ok($acks > 0, "cycle $cycle: $acks acks acknowledged to consumers before the crash");
    my %watermarks = map { split /\|/ } split /\n/, $node->safe_psql('postgres',
        "SELECT stream || '|' || at FROM act.events_streams WHERE stream LIKE 'p$cycle-%'");
    is(scalar(keys %watermarks), $clients * $streams_per_client, "cycle $cycle: every subscription is there");
    my @bad;
    for my $stream (sort keys %watermarks) {
        my $at = $watermarks{$stream};
        my @acked = @{ $acked{$stream} // [] };
        my %allowed = map { $_ => 1 } (-1, @acked, @{ $unconfirmed{$stream} // [] });
        my $highest = -1;
        $highest = $_ > $highest ? $_ : $highest for @acked;
        push @bad, "$stream at $at, acked: @acked, unconfirmed: @{ $unconfirmed{$stream} // [] }"
            unless $allowed{$at} && $at >= $highest;
    }
    is(join("\n", @bad), '', "cycle $cycle: each watermark is an acknowledged or in-flight ack, none lost");
    is($node->safe_psql('postgres', qq{
        SELECT count(*) FROM act.events_streams s
        WHERE s.stream LIKE 'p$cycle-%' AND s.at <> -1
          AND NOT EXISTS (SELECT FROM act.events e WHERE e.id = s.at AND e.stream = s.source)}),
        '0', "cycle $cycle: each watermark is -1 or the id of an event of its source");
    # Claim's work marks agree with the events: a row is marked exactly
    # when its source has an event past its watermark.
    is($node->safe_psql('postgres', qq{
        SELECT count(*) FROM act.events_streams s
        WHERE s.stream LIKE 'p$cycle-%'
          AND (s.mark > s.at OR s.at < 0) IS DISTINCT FROM (s.at < 0 OR EXISTS (
              SELECT FROM act.events e WHERE e.stream = s.source AND e.id > s.at AND e.name <> '__snapshot__'))}),
        '0', "cycle $cycle: work marks agree with the events");

    # The store works at once: commit with an expected version, read back.
    my $version = $node->safe_psql('postgres',
        "SELECT coalesce(max(version), -1) FROM act.events WHERE stream = 'c$cycle-1-0'");
    is($node->safe_psql('postgres',
        "SELECT version FROM act.commit('c$cycle-1-0', '[{\"name\":\"After\",\"data\":{}}]', expected_version => $version)"),
        $version + 1, "cycle $cycle: commit works after restart");
    is($node->safe_psql('postgres',
        "SELECT count(*) FROM act.query(stream => 'c$cycle-1-0', stream_exact => true, after => 0, names => '{After}')"),
        '1', "cycle $cycle: query works after restart");

    # ... and so do subscribe, claim and ack: a new subscription is claimed,
    # acked up to its source's last event, and claimed again after a commit
    # to its source.
    my $source = "c$cycle-1-0";
    $node->safe_psql('postgres', "SELECT act.subscribe('[{\"stream\":\"after-$cycle\",\"source\":\"$source\"}]')");
    my $claimed = $node->safe_psql('postgres',
        "SELECT at FROM act.claim(1000, 0, 'after-$cycle', 60000) WHERE stream = 'after-$cycle'");
    is($claimed, '-1', "cycle $cycle: claim works after restart");
    my $last = $node->safe_psql('postgres', "SELECT max(id) FROM act.events WHERE stream = '$source'");
    is($node->safe_psql('postgres',
        "SELECT at FROM act.ack('[{\"stream\":\"after-$cycle\",\"by\":\"after-$cycle\",\"at\":$last}]')"),
        $last, "cycle $cycle: ack works after restart");
    $node->safe_psql('postgres', "SELECT id FROM act.commit('$source', '[{\"name\":\"Next\",\"data\":{}}]')");
    is($node->safe_psql('postgres',
        "SELECT stream || ' ' || at FROM act.claim(1000, 0, 'again-$cycle', 60000) WHERE stream = 'after-$cycle'"),
        "after-$cycle $last", "cycle $cycle: a commit to its source gives the subscription work again");
}
note("$cycles crash cycles survived");

$node->stop;
done_testing();
