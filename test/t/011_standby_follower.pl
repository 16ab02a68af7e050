# Hot standbys: a follower of act.query(after => W, max_rows => 1000) on
# a standby, under 8 writers on the primary, skips no event and catches
# up, in every replication mode (asynchronous, synchronous with
# synchronous_commit on, remote_apply). The primary publishes its horizon
# with the publisher worker (act_pg preloaded, act.publish_databases).
# Beside it: the same follower on the primary, and a plain "id > W"
# follower on the standby, which shows what the horizon prevents (its
# skips are reported, not asserted). Before any horizon is published a
# standby reader gets nothing, and write functions fail with 25006.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IPC::Run;

my $writers = 8;
my $seconds = 8;

sub sqlstate
{
    my ($node, $sql) = @_;
    my ($out, $err) = ('', '');
    $node->psql('postgres', "\\set VERBOSITY verbose\n$sql", stdout => \$out, stderr => \$err);
    return $err =~ /ERROR:\s+([0-9A-Z]{5}):/ ? $1 : "no error: $out";
}

# A primary and a hot standby streaming from it.
sub pair
{
    my ($name, $conf) = @_;
    my $primary = PostgreSQL::Test::Cluster->new("primary_$name");
    $primary->init(allows_streaming => 1);
    $primary->append_conf('postgresql.conf', $conf);
    $primary->start;
    $primary->safe_psql('postgres', 'CREATE EXTENSION act_pg');
    $primary->backup('base');
    my $standby = PostgreSQL::Test::Cluster->new("standby_$name");
    $standby->init_from_backup($primary, 'base', has_streaming => 1);
    $standby->start;
    $primary->wait_for_catchup($standby);
    return ($primary, $standby);
}

# Without a publisher: nothing published, nothing settled on the standby.
{
    my ($primary, $standby) = pair('unpublished', '');
    $primary->safe_psql('postgres',
        q{SELECT count(*) FROM generate_series(1, 3) g, act.commit('s-' || g, '[{"name":"E","data":{}}]')});
    $primary->safe_psql('postgres', 'CREATE TABLE copy AS TABLE act.events');
    $primary->wait_for_catchup($standby);
    is($standby->safe_psql('postgres', 'SELECT count(*) FROM act.events'), '3', 'the standby has the rows');
    is($standby->safe_psql('postgres', 'SELECT count(*) FROM act.query(after => -1)'), '0',
        'before a horizon is published, an after read on the standby returns nothing');
    is($standby->safe_psql('postgres', 'SELECT act.max_event_id()'), '-1',
        'before a horizon is published, max_event_id on the standby is -1');
    is($standby->safe_psql('postgres', q{SELECT count(*) FROM act.query(stream => 's-1', stream_exact => true, after => -1)}),
        '1', 'a read of one exact stream needs no horizon on the standby');
    is($standby->safe_psql('postgres', 'SELECT count(*) FROM act.query()'), '3', 'a read without after needs none');

    is($primary->safe_psql('postgres', 'SELECT act.publish_horizon()'), '1', 'publish_horizon on the primary');
    is($primary->safe_psql('postgres', 'SELECT act.publish_horizon()'), '0', 'an unchanged horizon is not written again');
    $primary->wait_for_catchup($standby);
    is($standby->safe_psql('postgres', 'SELECT count(*) FROM act.query(after => -1)'), '3',
        'after the primary published, the standby reads below its horizon');
    is($standby->safe_psql('postgres', 'SELECT act.max_event_id()'), '3', 'and max_event_id follows it');
    $primary->safe_psql('postgres', q{SELECT count(*) FROM act.commit('s-9', '[{"name":"E","data":{}}]')});
    $primary->wait_for_catchup($standby);
    is($standby->safe_psql('postgres', 'SELECT count(*) FROM act.query(after => -1)') . ' '
        . $standby->safe_psql('postgres', 'SELECT count(*) FROM act.events'), '3 4',
        'an event committed after the last publication waits for the next one');

    # Reads that need no horizon work on the standby; writes fail cleanly.
    is($standby->safe_psql('postgres', 'SELECT count(*) FROM act.query_stats()'), '4', 'query_stats on the standby');
    is($standby->safe_psql('postgres', 'SELECT count(*) FROM act.query_streams()'), '0', 'query_streams on the standby');
    is(sqlstate($standby, q{SELECT act.commit('s-1', '[{"name":"E","data":{}}]')}), '25006', 'commit on the standby: 25006');
    is(sqlstate($standby, q{SELECT act.subscribe('[{"stream":"p"}]')}), '25006', 'subscribe on the standby: 25006');
    is(sqlstate($standby, q{SELECT act.claim(1, 0, 'w', 1000)}), '25006', 'claim on the standby: 25006');
    is(sqlstate($standby, q{SELECT act.ack('[{"stream":"p","by":"w","at":1}]')}), '25006', 'ack on the standby: 25006');
    is(sqlstate($standby, q{SELECT act.truncate('[{"stream":"s-1"}]')}), '25006', 'truncate on the standby: 25006');
    is(sqlstate($standby, q{SELECT act.reset()}), '25006', 'reset on the standby: 25006');
    is(sqlstate($standby, q{SELECT act.seed('other')}), '25006', 'seed on the standby: 25006');
    is(sqlstate($standby, q{SELECT act.publish_horizon()}), '25006', 'publish_horizon on the standby: 25006');
    is(sqlstate($standby, q{SELECT act.restore('copy')}), '55000', 'restore on the standby: 55000');

    # act.restore renumbers the ids: the published horizon goes with it.
    $primary->safe_psql('postgres', q{SELECT act.restore('copy')});
    is($primary->safe_psql('postgres', 'SELECT count(*) FROM act.horizons'), '0', 'restore deletes the published horizon');
    $primary->stop;
    $standby->stop;
}

# A follower: a DO block on one node that loops on `read` (a query of
# (id, name) after w) until it reads the event named Stop, printing each
# batch as "b <read time, epoch ms> <ids>" (RAISE NOTICE goes out at once),
# committing after each read so the standby never holds an old snapshot.
sub follower_sql
{
    my ($read) = @_;
    return <<"SQL";
DO \$\$
DECLARE
    w bigint := -1;
    ids text;
    top bigint;
    stop boolean := false;
    deadline timestamptz := clock_timestamp() + interval '240 s';
BEGIN
    WHILE NOT stop AND clock_timestamp() < deadline LOOP
        SELECT string_agg(id::text, ',' ORDER BY id), max(id), coalesce(bool_or(name = 'Stop'), false)
        INTO ids, top, stop FROM ($read) r;
        IF top IS NULL THEN
            PERFORM pg_sleep(0.002);
        ELSE
            RAISE NOTICE 'b % %', (extract(epoch FROM clock_timestamp()) * 1000)::bigint, ids;
            w := top;
        END IF;
        COMMIT;
    END LOOP;
END
\$\$;
SQL
}

# What a follower's log read: ids => read time (ms), and whether it
# reached Stop (the last batch holds the highest id).
sub read_follower
{
    my ($file) = @_;
    my %read;
    for my $line (split /\n/, (-s $file ? slurp_file($file) : '')) {
        next unless $line =~ /NOTICE:\s+b (\d+) ([\d,]+)/;
        my $at = $1;
        $read{$_} = $at for split /,/, $2;
    }
    return \%read;
}

sub percentile
{
    my ($p, @sorted) = @_;
    return 'n/a' unless @sorted;
    return $sorted[ int($p * $#sorted + 0.5) ];
}

my @modes = (
    [ 'async', '' ],
    [ 'sync_on', "synchronous_standby_names = '*'\nsynchronous_commit = on\n" ],
    [ 'remote_apply', "synchronous_standby_names = '*'\nsynchronous_commit = remote_apply\n" ],
);
for my $m (@modes) {
    my ($mode, $sync) = @$m;
    my ($primary, $standby) = pair($mode,
        "shared_preload_libraries = 'act_pg'\nact.publish_databases = 'postgres'\nact.publish_interval = 10\n");
    if ($sync) {
        $primary->append_conf('postgresql.conf', $sync);
        $primary->reload;
        $primary->poll_query_until('postgres', "SELECT count(*) = 1 FROM pg_stat_replication WHERE sync_state = 'sync'")
            or die "$mode: the standby is not synchronous";
    }
    $primary->poll_query_until('postgres',
        "SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'act_pg horizon publisher'")
        or die "$mode: no publisher worker";
    is($standby->safe_psql('postgres',
        "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'act_pg horizon publisher'"),
        '0', "$mode: no publisher worker on the standby");

    my $tmp = $PostgreSQL::Test::Utils::tmp_check;
    my %followers = (
        standby => [ $standby, 'SELECT id, name FROM act.query(after => w, max_rows => 1000)' ],
        primary => [ $primary, 'SELECT id, name FROM act.query(after => w, max_rows => 1000)' ],
        plain => [ $standby, 'SELECT id, name FROM act.events WHERE id > w ORDER BY id LIMIT 1000' ],
    );
    my @runs;
    for my $f (sort keys %followers) {
        my ($node, $read) = @{ $followers{$f} };
        PostgreSQL::Test::Utils::append_to_file("$tmp/$mode-$f.sql", follower_sql($read));
        push @runs, IPC::Run::start(
            [ 'psql', '-X', '-At', '-d', $node->connstr('postgres'), '-f', "$tmp/$mode-$f.sql" ],
            '<', '/dev/null', '>', "$tmp/$mode-$f.out", '2>', "$tmp/$mode-$f.log");
    }
    PostgreSQL::Test::Utils::append_to_file("$tmp/$mode-writer.sql",
        "\\set s random(1, 200)\nSELECT count(*) FROM act.commit('s-' || :s, '[{\"name\":\"E\",\"data\":{}}]');\n");
    my ($pgbench_out, $pgbench_err) = ('', '');
    IPC::Run::run([ 'pgbench', '-n', '-c', $writers, '-j', '2', '-T', $seconds, '-f', "$tmp/$mode-writer.sql",
                    '-d', $primary->connstr('postgres') ], '<', '/dev/null', '>', \$pgbench_out, '2>', \$pgbench_err)
        or die "pgbench failed: $pgbench_err";
    my ($tps) = $pgbench_out =~ /tps = ([\d.]+)/;
    $primary->safe_psql('postgres', q{SELECT count(*) FROM act.commit('stop', '[{"name":"Stop","data":{}}]')});
    $_->finish for @runs;

    my $all = $primary->safe_psql('postgres',
        q{SELECT string_agg(id || ' ' || (extract(epoch FROM created) * 1000)::bigint, ',' ORDER BY id) FROM act.events});
    my %created = map { split / / } split /,/, $all;
    my $total = keys %created;
    my $stop = $primary->safe_psql('postgres', q{SELECT id FROM act.events WHERE name = 'Stop'});
    ok($total > 1000, "$mode: $total events committed by $writers writers ($tps commits/s)");
    for my $f (sort keys %followers) {
        my $read = read_follower("$tmp/$mode-$f.log");
        my $skipped = grep { !exists $read->{$_} } keys %created;
        my @lag = sort { $a <=> $b } map { $read->{$_} - $created{$_} } grep { exists $read->{$_} } keys %created;
        note(sprintf("%s %s follower: read %d of %d, skipped %d, lag ms median %s p95 %s max %s",
            $mode, $f, scalar(keys %$read), $total, $skipped, percentile(0.5, @lag), percentile(0.95, @lag),
            percentile(1, @lag)));
        next if $f eq 'plain';
        ok(exists $read->{$stop}, "$mode: the $f follower caught up (read the last event)");
        is($skipped, 0, "$mode: the $f follower skipped no event");
    }
    $primary->stop;
    $standby->stop;
}

done_testing();
