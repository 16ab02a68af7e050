#!/usr/bin/perl
# act_pg's bounded fuzzer. Sessions call every act.* function with random
# arguments (valid, malformed, NULL, bad and slow regular expressions,
# over-long names, \u0000), as several roles, on several stores, in and out
# of transactions with savepoints, under random statement timeouts and
# cancels from each other; then it checks what must hold whatever happened:
#
#   - no SQLSTATE XX000 (an internal error: a bug), no lost connection, no
#     server process "terminated by signal" or crash restart in the
#     server's log, the server still answers;
#   - in every store: ids unique, versions of each stream contiguous from 0
#     and in id order; every subscription's watermark at most the store's
#     highest id.
#
# The workers of this workload acknowledge only ids they could have read
# (act.max_event_id() at the time), as a real consumer does: act.ack takes
# any watermark it is given, so the last check holds for well-behaved
# callers, which is what it is meant to catch act_pg breaking.
#
# The operations are generated from the seed before anything runs: the
# same seed gives the same scripts (their interleaving, timeouts and
# cancels differ from run to run). It prints the number of operations, a
# SQLSTATE histogram and every failure, and exits non-zero on a failure.
#
#   perl test/fuzz/fuzz.pl [--seed N] [--ops N] [--sessions N] [--dbname DB]
#                          [--server-log FILE] [--keep DIR] [--skip KIND]...
#
# --server-log: the server's log, searched for processes terminated by a
# signal. --keep: where the session scripts and outputs go (kept), to
# replay or read them. --skip: leave out an operation kind (e.g. drop).
#
# It connects as a superuser through libpq's environment (PGHOST, PGPORT,
# PGUSER), needs psql on PATH and creates what it uses: the extension,
# roles fuzz_* and stores fuzz_t1.events, fuzz_t2.events, fuzz_t3.log.
# test/t/007_fuzz.pl runs it in the test command, bench/fuzz.sh at length.
use strict;
use warnings;
use Getopt::Long;
use File::Temp qw(tempdir);
use POSIX qw(WNOHANG);

my %opt = (seed => 1, ops => 2000, sessions => 4, dbname => 'postgres', timeout => 3600, skip => []);
GetOptions(\%opt, 'seed=i', 'ops=i', 'sessions=i', 'dbname=s', 'server-log=s', 'keep=s', 'timeout=i', 'skip=s@')
  or die "usage: fuzz.pl [--seed N] [--ops N] [--sessions N] [--dbname DB] [--server-log FILE] [--keep DIR] [--skip KIND]...\n";
my $dir = $opt{keep} // tempdir('act_fuzz.XXXXXX', TMPDIR => 1, CLEANUP => 1);
mkdir $dir;

my @failures;

# --- set-up ------------------------------------------------------------

# Runs SQL as the connecting superuser, stopping at the first error;
# returns psql's output and messages.
sub psql_run {
    my ($sql) = @_;
    my $file = "$dir/setup.sql";
    open(my $fh, '>', $file) or die "fuzz: $file: $!";
    print $fh $sql;
    close $fh;
    my $out = qx{psql -X -q -At -v ON_ERROR_STOP=1 -d '$opt{dbname}' -f '$file' 2>&1};
    die "fuzz: failed: $out\n" if $?;
    return $out;
}

my @roles = qw(fuzz_reader fuzz_writer fuzz_worker fuzz_admin fuzz_nobody);
psql_run(<<'SQL');
CREATE EXTENSION IF NOT EXISTS act_pg;
DO $$
DECLARE
    r text[];
BEGIN
    FOREACH r SLICE 1 IN ARRAY ARRAY[['fuzz_reader', 'act_reader'], ['fuzz_writer', 'act_writer'],
                                     ['fuzz_worker', 'act_worker'], ['fuzz_admin', 'act_admin'],
                                     ['fuzz_nobody', NULL]] LOOP
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = r[1]) THEN
            EXECUTE format('CREATE ROLE %I', r[1]);
        END IF;
        IF r[2] IS NOT NULL THEN
            EXECUTE format('GRANT %I TO %I', r[2], r[1]);
        END IF;
    END LOOP;
END $$;
SELECT act.seed('fuzz_t1'), act.seed('fuzz_t2', 'events', true), act.seed('fuzz_t3', 'log');
GRANT USAGE ON SCHEMA fuzz_t1, fuzz_t2, fuzz_t3 TO fuzz_reader, fuzz_writer, fuzz_worker, fuzz_admin, fuzz_nobody;
-- Every role may use fuzz_t1; only workers and admins fuzz_t2; fuzz_t3
-- (dropped and seeded again by the run) nobody but superusers.
GRANT SELECT ON fuzz_t1.events, fuzz_t1.events_streams TO fuzz_reader, fuzz_writer, fuzz_worker, fuzz_admin, fuzz_nobody;
GRANT SELECT ON fuzz_t2.events, fuzz_t2.events_streams TO fuzz_worker, fuzz_admin;

-- Sources for act.restore: one valid, the others each wrong in one way.
DROP SCHEMA IF EXISTS fuzz_src CASCADE;
CREATE SCHEMA fuzz_src;
CREATE TABLE fuzz_src.good AS
    SELECT row_number() OVER (ORDER BY s, v) * 3 AS id, 'E' || (v % 3) AS name, jsonb_build_object('v', v) AS data,
           's' || s AS stream, v AS version, now() AS created, '{"correlation":"r","causation":{}}'::jsonb AS meta
    FROM generate_series(0, 5) s, generate_series(0, 4) v;
CREATE TABLE fuzz_src.dup AS SELECT * FROM fuzz_src.good UNION ALL SELECT id + 1, name, data, stream, version, created, meta FROM fuzz_src.good WHERE version = 0;
CREATE TABLE fuzz_src.null_id AS SELECT * FROM fuzz_src.good UNION ALL SELECT NULL, 'E', '{}', 'n', 0, now(), '{}';
CREATE TABLE fuzz_src.bad_meta AS SELECT id, name, data, stream, version, created, '[]'::jsonb AS meta FROM fuzz_src.good;
CREATE TABLE fuzz_src.no_meta AS SELECT id, name, data, stream, version, created FROM fuzz_src.good;
CREATE TABLE fuzz_src.text_json AS SELECT id, name, 'not json'::text AS data, stream, version, created, meta FROM fuzz_src.good;
CREATE SEQUENCE fuzz_src.seq;
CREATE VIEW fuzz_src.t1_copy AS SELECT * FROM fuzz_t1.events;
GRANT USAGE ON SCHEMA fuzz_src TO fuzz_reader, fuzz_writer, fuzz_worker, fuzz_admin, fuzz_nobody;
GRANT SELECT ON ALL TABLES IN SCHEMA fuzz_src TO fuzz_reader, fuzz_writer, fuzz_worker, fuzz_admin, fuzz_nobody;
GRANT SELECT ON ALL SEQUENCES IN SCHEMA fuzz_src TO fuzz_admin;
SQL

# --- the operations --------------------------------------------------------

srand($opt{seed});
sub pick { return $_[ int(rand(@_)) ] }
sub chance { return rand() < $_[0] }

# SQL literals; undef is NULL.
sub lit {
    my ($v) = @_;
    return 'NULL' unless defined $v;
    $v =~ s/'/''/g;
    return "'$v'";
}
sub json_str {
    my ($v) = @_;
    $v =~ s/(["\\])/\\$1/g;
    return qq{"$v"};
}

my @streams = (map({ "s$_" } 0 .. 7), 'order-1', 'order-10', 'ü-ñ', 'a.b');
my @bad_streams = ('', 'x' x 1025);
sub stream { return chance(0.03) ? pick(@bad_streams) : pick(@streams) }
my @regexes = ('s1', '^s[0-3]$', 's.*', 'order-1', '^order-1$', '\d', '(', '[a-', '*', '(a+)+$', '(x+x+)+y', 'a{2,1}', '');
my @names = ('A', 'B', 'C', '__snapshot__', '__tombstone__');
my @workers = ('w1', 'w2', 'w3');
my @lanes = (undef, 'default', 'l1', 'nope');
# Mostly stores that exist; a few that do not or cannot.
my @stores = (('act.events', 'fuzz_t1.events', 'fuzz_t1.events', 'fuzz_t2.events') x 3, 'fuzz_t3.log', 'fuzz_t3.log',
    'fuzz_none.events', 'Bad Name', 'fuzz_t1');
my @ints = (undef, -1, 0, 1, 2, 5, 100, 2147483647);

# A JSON object of a few random keys and values, sometimes nested.
sub json_value {
    my ($depth) = @_;
    my $r = rand();
    return int(rand(1000)) if $r < 0.3;
    return json_str(pick('x', 'é', '\u0041', "tab\t", '')) if $r < 0.5;
    return pick('true', 'false', 'null', '1e308', '-0.5') if $r < 0.7 || $depth > 2;
    return json_object($depth + 1) if $r < 0.85;
    return '[' . join(',', map { json_value($depth + 1) } 1 .. int(rand(3))) . ']';
}
sub json_object {
    my ($depth) = @_;
    return '{' . join(',', map { json_str(pick('a', 'b', 'c', 'v')) . ':' . json_value($depth // 0) } 1 .. int(rand(3))) . '}';
}

# An events array for act.commit: mostly valid, else one of the ways it
# can be wrong.
sub events_json {
    my $r = rand();
    if ($r < 0.85) {
        return '[' . join(',', map {
            '{"name":' . json_str(pick(@names[0 .. 2])) . ',"data":' . json_object() . '}' } 1 .. 1 + int(rand(3))) . ']';
    }
    return pick('[]', '{}', 'null', '[1]', '[{"name":""}]', '[{"name":"A","data":[]}]', '[{"name":"A","data":{},"x":1}]',
        '[{"name":"A"}]', '[{"name":1,"data":{}}]', '[{"name":' . json_str('n' x 1025) . ',"data":{}}]',
        '[{"name":"A","data":{"s":"\u0000"}}]', '[' . ('[' x 200) . (']' x 200) . ']', '[{"name":"A","data":{}}');
}
sub meta_json {
    return pick('{}', '{"correlation":"c1","causation":{}}', '{"correlation":"c2","causation":{"event":{"id":3}}}',
        '[]', 'null', '{"correlation":"\u0000"}', '{"correlation":' . json_str('c' x 300) . '}');
}

# A subscription filter's named arguments.
sub filter_args {
    my @a;
    push @a, 'streams => ' . pick("ARRAY['s1','t1']", "'{}'::text[]", "ARRAY[NULL]::text[]", 'NULL') if chance(0.3);
    push @a, 'stream => ' . lit(pick(@regexes, @streams)) if chance(0.3);
    push @a, 'stream_exact => ' . pick('true', 'false', 'NULL') if chance(0.2);
    push @a, 'source => ' . lit(pick(@regexes, @streams, undef)) if chance(0.3);
    push @a, 'source_exact => ' . pick('true', 'false') if chance(0.2);
    push @a, 'blocked => ' . pick('true', 'false', 'NULL') if chance(0.2);
    push @a, 'lane => ' . lit(pick(@lanes)) if chance(0.2);
    return @a;
}

# Each generator returns one SQL statement (one line).
my %calls = (
    commit => sub {
        my $events = lit(chance(0.02) ? undef : events_json());
        my $as = chance(0.2) ? '::text' : '::jsonb';
        my @a = (lit(chance(0.02) ? undef : stream()), "$events$as");
        push @a, lit(meta_json()) . $as if chance(0.4);
        push @a, 'expected_version => ' . (pick(@ints, -2) // 'NULL') if chance(0.3);
        return 'SELECT * FROM act.commit(' . join(', ', @a) . ')';
    },
    query => sub {
        my @a;
        push @a, 'stream => ' . lit(pick(@regexes, @streams)) if chance(0.5);
        push @a, 'stream_exact => ' . pick('true', 'false') if chance(0.3);
        push @a, 'names => ' . pick("ARRAY['A','B']", "'{}'::text[]", "ARRAY[NULL]::text[]") if chance(0.2);
        push @a, 'after => ' . pick('-1', '0', '5', 'act.max_event_id() - 3', 'NULL') if chance(0.4);
        push @a, 'before => ' . pick('0', '10', '9223372036854775807') if chance(0.2);
        push @a, 'created_after => ' . pick("now() - interval '1 s'", "'infinity'") if chance(0.1);
        push @a, 'created_before => ' . pick("now()", "'-infinity'") if chance(0.1);
        push @a, 'correlation => ' . lit(pick('c1', 'c2', '')) if chance(0.2);
        push @a, 'max_rows => ' . pick('0', '1', '10', '-1') if chance(0.4);
        push @a, 'backward => ' . pick('true', 'false') if chance(0.3);
        push @a, 'with_snaps => ' . pick('true', 'false') if chance(0.2);
        return 'SELECT count(*) FROM act.query(' . join(', ', @a) . ')';
    },
    max_event_id => sub { return 'SELECT act.max_event_id()' },
    query_stats => sub {
        my @a;
        push @a, 'streams => ' . pick("ARRAY['s1','s2','s1']", "'{}'::text[]", "ARRAY['s1',NULL]") if chance(0.3);
        push @a, 'stream => ' . lit(pick(@regexes, @streams)) if chance(0.4);
        push @a, 'stream_exact => true' if chance(0.2);
        push @a, "$_ => " . pick('true', 'false') for grep { chance(0.4) } qw(tail count names);
        push @a, 'exclude => ' . pick("ARRAY['A']", "ARRAY[NULL]::text[]", "'{}'::text[]") if chance(0.2);
        push @a, 'before => ' . pick('0', '5', 'act.max_event_id()') if chance(0.2);
        push @a, 'after => ' . lit(pick(@streams)) if chance(0.2);
        push @a, 'max_rows => ' . pick('0', '2', '-1') if chance(0.3);
        return 'SELECT count(*) FROM act.query_stats(' . join(', ', @a) . ')';
    },
    query_streams => sub {
        my @a = filter_args();
        push @a, 'after => ' . lit(pick(@streams)) if chance(0.2);
        push @a, 'max_rows => ' . pick('NULL', '0', '3', '-1') if chance(0.3);
        return 'SELECT count(*) FROM act.query_streams(' . join(', ', @a) . ')';
    },
    subscribe => sub {
        return 'SELECT * FROM act.subscribe(' . lit(pick('[]', '{}', '[{"source":"s1"}]', '[{"stream":""}]',
            '[{"stream":"t1","priority":"x"}]', '[{"stream":"t1","priority":9999999999}]', '[{"stream":"t1","source":"("}]',
            '[{"stream":"t1","other":1}]')) . ')' if chance(0.1);
        return 'SELECT * FROM act.subscribe(NULL)' if chance(0.02);
        my @subs = map {
            my @f = ('"stream":' . json_str(pick('t0', 't1', 't2', 't3', @streams)));
            push @f, '"source":' . (chance(0.2) ? 'null' : json_str(pick(@streams, '^s[0-3]$', 's.*', 'order-1'))) if chance(0.8);
            push @f, '"priority":' . pick(0, 1, 5, -3) if chance(0.3);
            push @f, '"lane":' . json_str(pick('default', 'l1')) if chance(0.3);
            '{' . join(',', @f) . '}';
        } 1 .. 1 + int(rand(3));
        return 'SELECT * FROM act.subscribe(' . lit('[' . join(',', @subs) . ']') . ')';
    },
    claim => sub {
        my @a = (pick(0, 1, 2, 5), pick(0, 1, 2), lit(pick(@workers)), pick(1, 100, 60000));
        # One bad argument in ten calls.
        $a[ int(rand(4)) ] = pick('NULL', '-1', lit(''), lit('x' x 1025)) if chance(0.1);
        push @a, lit(pick(@lanes)) if chance(0.3);
        return 'SELECT count(*) FROM act.claim(' . join(', ', @a) . ')';
    },
    # A well-behaved worker: acknowledges its leases up to an id it could
    # have read. Or a malformed report, whose holder never holds a lease.
    ack => sub {
        if (chance(0.25)) {
            return 'SELECT count(*) FROM act.ack(' . lit(pick('[]', '{}', 'null', '[null]', '[{"stream":"s1"}]',
                '[{"stream":"s1","by":"junk","at":99999999}]', '[{"stream":"s1","by":"w1","at":"x"}]',
                '[{"stream":"s1","by":"w1","at":-5}]', '[{"stream":"s1","by":"w1","at":1e30}]',
                '[{"stream":"","by":"w1","at":1}]', '[{"stream":"s1","by":"w1","at":1,"lagging":"x"}]')) . ')';
        }
        my $at = pick('act.max_event_id()', 's.at', '-1', 'least(s.at + 1, act.max_event_id())');
        return "SELECT count(*) FROM act.ack((SELECT coalesce(jsonb_agg(jsonb_build_object('stream', s.stream, 'by', s.leased_by, 'at', $at)), '[]')"
          . ' FROM act.query_streams(max_rows => ' . pick(1, 3, 10) . ') s WHERE s.leased_by = ' . lit(pick(@workers)) . '))';
    },
    block => sub {
        return 'SELECT count(*) FROM act.block(' . lit(pick('[]', '[{"stream":"s1","by":"w1"}]', '[{"stream":"s1","by":"w1","error":1}]')) . ')'
          if chance(0.3);
        return "SELECT count(*) FROM act.block((SELECT coalesce(jsonb_agg(jsonb_build_object('stream', s.stream, 'by', s.leased_by, 'error', 'boom')), '[]')"
          . ' FROM act.query_streams(max_rows => 2) s WHERE s.leased_by = ' . lit(pick(@workers)) . '))';
    },
    reset => sub { return 'SELECT act.reset(' . join(', ', filter_args()) . ')' },
    unblock => sub { return 'SELECT act.unblock(' . join(', ', filter_args()) . ')' },
    prioritize => sub { return 'SELECT act.prioritize(' . join(', ', pick(0, 3, -1, 'NULL'), filter_args()) . ')' },
    truncate => sub {
        return 'SELECT count(*) FROM act.truncate(' . lit(pick('{}', '[1]', '[{"stream":""}]', '[{"stream":"s1"},{"stream":"s1"}]',
            '[{"stream":"s1","snapshot":[]}]', '[{"stream":"s1","x":1}]', 'null')) . ')' if chance(0.15);
        my @t = map {
            my @f = ('"stream":' . json_str(pick(@streams)));
            push @f, '"snapshot":' . pick(json_object(), 'null') if chance(0.5);
            push @f, '"meta":' . pick(meta_json(), 'null') if chance(0.2);
            '{' . join(',', @f) . '}';
        } 1 .. 1 + int(rand(3));
        return 'SELECT count(*) FROM act.truncate(' . lit('[' . join(',', @t) . ']') . ')';
    },
    restore => sub {
        return 'SELECT act.restore(' . pick("'fuzz_src.good'", "'fuzz_src.dup'", "'fuzz_src.null_id'", "'fuzz_src.bad_meta'",
            "'fuzz_src.no_meta'", "'fuzz_src.text_json'", "'fuzz_src.seq'", "'fuzz_src.t1_copy'", "'fuzz_t1.events'", 'NULL') . ')';
    },
    seed => sub {
        return 'SELECT act.seed(' . join(', ', pick("'fuzz_t3'", "'fuzz_t1'", "'Bad'"), pick("'log'", "'events'", lit('x' x 60)),
            pick('true', 'false')) . ')';
    },
    drop => sub { return 'SELECT act.drop(' . pick("'fuzz_t3', 'log'", "'act', 'events'", "'fuzz_t3', 'nothing'", "'Bad', 'x'") . ')' },
);

# Statements around the calls: roles, stores, timeouts, cancels,
# transactions and savepoints. They change the session's state, so they
# are generated in order, per session.
sub session_script {
    my ($session, $count) = @_;
    my ($in_tx, $savepoints, $role) = (0, 0, undef);
    my @ops;
    my %weight = (commit => 20, query => 8, max_event_id => 3, query_stats => 6, query_streams => 4, subscribe => 6,
        claim => 8, ack => 8, block => 2, reset => 2, unblock => 2, prioritize => 2, truncate => 4, restore => 1,
        seed => 1, drop => 1, store => 5, role => 4, timeout => 3, cancel => 2, tx => 8);
    exists $weight{$_} or die "fuzz: --skip $_: no such operation\n" for @{ $opt{skip} };
    delete @weight{ @{ $opt{skip} } };
    my @bag = map { ($_) x $weight{$_} } sort keys %weight;
    for (1 .. $count) {
        my $kind = pick(@bag);
        my $sql;
        if ($calls{$kind}) {
            $sql = $calls{$kind}->();
        } elsif ($kind eq 'store') {
            $sql = ($in_tx && chance(0.5) ? 'SET LOCAL' : 'SET') . ' act.store = ' . lit(pick(@stores));
        } elsif ($kind eq 'role') {
            # Mostly roles that may call most functions.
            $role = pick(undef, undef, 'fuzz_admin', 'fuzz_admin', 'fuzz_worker', 'fuzz_worker', @roles);
            $sql = defined $role ? "SET ROLE $role" : 'RESET ROLE';
        } elsif ($kind eq 'timeout') {
            $sql = 'SET statement_timeout = ' . pick(0, 0, 1, 5, 50);
        } elsif ($kind eq 'cancel') {
            # As a superuser: another fuzz session's statement, if one runs.
            $sql = 'RESET ROLE; SELECT count(pg_cancel_backend(pid)) FROM pg_stat_activity'
              . " WHERE application_name LIKE 'act_fuzz_%' AND pid <> pg_backend_pid() AND state = 'active'"
              . (defined $role ? "; SET ROLE $role" : '');
        } elsif (!$in_tx) {
            $sql = 'BEGIN' . pick('', '', ' ISOLATION LEVEL REPEATABLE READ', ' ISOLATION LEVEL SERIALIZABLE');
            ($in_tx, $savepoints) = (1, 0);
        } else {
            my $r = rand();
            if ($r < 0.35) {
                $savepoints++;
                $sql = "SAVEPOINT sp$savepoints";
            } elsif ($r < 0.55) {
                $sql = 'ROLLBACK TO SAVEPOINT sp' . (1 + int(rand($savepoints + 1)));
            } elsif ($r < 0.65) {
                $sql = 'RELEASE SAVEPOINT sp' . (1 + int(rand($savepoints + 1)));
            } else {
                $sql = pick('COMMIT', 'COMMIT', 'ROLLBACK');
                $in_tx = 0;
            }
        }
        push @ops, [ $kind, $sql ];
    }
    push @ops, [ 'tx', 'COMMIT' ] if $in_tx;
    return \@ops;
}

# The psql script of a session: each operation on one line, followed by a
# line that reports its SQLSTATE (psql's variable: 00000 when it
# succeeded); query results are thrown away. ON_ERROR_ROLLBACK keeps a
# transaction going after a failed statement, as a driver would retry.
my @scripts;
my $planned = 0;
for my $s (1 .. $opt{sessions}) {
    my $ops = session_script($s, int($opt{ops} / $opt{sessions}) + ($s <= $opt{ops} % $opt{sessions} ? 1 : 0));
    $planned += @$ops;
    my $file = "$dir/session$s.sql";
    open(my $fh, '>', $file) or die "fuzz: $file: $!";
    print $fh "\\set VERBOSITY verbose\n\\set SHOW_CONTEXT never\n\\set ON_ERROR_ROLLBACK on\n\\o /dev/null\n";
    print $fh "SET lock_timeout = '2s';\n";
    print $fh "$_->[1];\n\\echo @ $_->[0] :SQLSTATE\n" for @$ops;
    close $fh;
    push @scripts, $file;
}

# --- the run -----------------------------------------------------------

my $started = time;
my %pids;
for my $s (1 .. @scripts) {
    my $pid = fork() // die "fuzz: fork: $!";
    if ($pid == 0) {
        open(STDOUT, '>', "$dir/session$s.out") or die;
        open(STDERR, '>', "$dir/session$s.err") or die;
        $ENV{PGAPPNAME} = "act_fuzz_$s";
        exec('psql', '-X', '-q', '-d', $opt{dbname}, '-f', $scripts[ $s - 1 ]) or die "fuzz: psql: $!";
    }
    $pids{$pid} = $s;
}
while (%pids) {
    my $pid = waitpid(-1, WNOHANG);
    if ($pid > 0) {
        push @failures, "session $pids{$pid}: psql exited with status " . ($? >> 8) . ' (a lost connection?)' if $?;
        delete $pids{$pid};
    } elsif (time - $started > $opt{timeout}) {
        push @failures, "sessions still running after $opt{timeout} s: killed";
        kill 'TERM', keys %pids;
        sleep 1;
    } else {
        select(undef, undef, undef, 0.2);
    }
}
my $seconds = time - $started;

# --- what happened -------------------------------------------------------

my (%by_state, %by_call, $done);
for my $s (1 .. @scripts) {
    open(my $fh, '<', "$dir/session$s.out") or die;
    while (<$fh>) {
        next unless /^@ (\S+) (\S+)$/;
        $done++;
        $by_state{$2}++;
        $by_call{$1}{$2}++;
    }
    close $fh;
    open($fh, '<', "$dir/session$s.err") or die;
    while (my $line = <$fh>) {
        if ($line =~ /ERROR:\s+XX000/ || $line =~ /server closed the connection|connection to server was lost/) {
            my ($n) = $line =~ /:(\d+): /;
            my $statement = defined $n ? (split /\n/, slurp($scripts[ $s - 1 ]))[ $n - 1 ] : '?';
            chomp $line;
            push @failures, "session $s: $line\n    in: $statement";
        }
    }
    close $fh;
}
sub slurp { local (@ARGV, $/) = @_; return <> }

printf "fuzz: seed %d, %d sessions, %d operations planned, %d run in %d s%s\n",
  $opt{seed}, $opt{sessions}, $planned, $done // 0, $seconds, join('', map { ", without $_" } @{ $opt{skip} });
push @failures, sprintf('only %d of %d operations ran', $done // 0, $planned) if ($done // 0) != $planned;
print "SQLSTATE histogram (all operations):\n";
printf "  %s %8d\n", $_, $by_state{$_} for sort { $by_state{$b} <=> $by_state{$a} || $a cmp $b } keys %by_state;
print "per operation (SQLSTATE:count):\n";
for my $call (sort keys %by_call) {
    my $h = $by_call{$call};
    printf "  %-14s %s\n", $call, join(' ', map { "$_:$h->{$_}" } sort { $h->{$b} <=> $h->{$a} || $a cmp $b } keys %$h);
}

# --- invariants ------------------------------------------------------------

my $alive = qx{psql -X -At -d '$opt{dbname}' -c 'SELECT 1' 2>&1};
push @failures, "the server does not answer: $alive" unless $alive =~ /^1$/m;
if ($alive =~ /^1$/m) {
    my $broken = psql_run(<<'SQL');
DO $$
DECLARE
    s record;
    bad text;
BEGIN
    FOR s IN SELECT format('%I.%I', schema, table_name) AS events, format('%I.%I', schema, table_name || '_streams') AS subs
             FROM act.stores ORDER BY 1 LOOP
        EXECUTE format('SELECT string_agg(id::text, '','') FROM (SELECT id FROM %s GROUP BY id HAVING count(*) > 1) d', s.events) INTO bad;
        IF bad IS NOT NULL THEN RAISE WARNING 'BROKEN %: ids not unique: %', s.events, bad; END IF;
        -- A broken stream is shown as version@id:name in id order.
        EXECUTE format('SELECT string_agg(stream || '' ('' || events || '')'', '', '') FROM (SELECT stream,'
                       ' string_agg(version || ''@'' || id || '':'' || name, '' '' ORDER BY id) AS events FROM %s GROUP BY stream'
                       ' HAVING min(version) <> 0 OR max(version) <> count(*) - 1 OR count(DISTINCT version) <> count(*)) d', s.events) INTO bad;
        IF bad IS NOT NULL THEN RAISE WARNING 'BROKEN %: versions not contiguous from 0: %', s.events, bad; END IF;
        EXECUTE format('SELECT string_agg(DISTINCT stream, '','') FROM (SELECT stream, id < lag(id) OVER (PARTITION BY stream ORDER BY version) AS back'
                       ' FROM %s) d WHERE back', s.events) INTO bad;
        IF bad IS NOT NULL THEN RAISE WARNING 'BROKEN %: versions not in id order: %', s.events, bad; END IF;
        EXECUTE format('SELECT string_agg(stream || '' at '' || at, '','') FROM %s WHERE at > (SELECT coalesce(max(id), -1) FROM %s)',
                       s.subs, s.events) INTO bad;
        IF bad IS NOT NULL THEN RAISE WARNING 'BROKEN %: watermarks above the highest id: %', s.subs, bad; END IF;
        EXECUTE format('SELECT format(''%%s events, %%s subscriptions'', (SELECT count(*) FROM %s), (SELECT count(*) FROM %s))',
                       s.events, s.subs) INTO bad;
        RAISE WARNING 'STORE %: %', s.events, bad;
    END LOOP;
END $$;
SQL
    print "stores at the end:\n", map({ s/^.*STORE\s+/  /r . "\n" } grep { /STORE/ } split /\n/, $broken);
    push @failures, map { s/^.*WARNING:\s+//r } grep { /BROKEN/ } split /\n/, $broken;
}
if ($opt{'server-log'}) {
    my $log = -r $opt{'server-log'} ? slurp($opt{'server-log'}) : '';
    push @failures, "server log: $_"
      for grep { /terminated by signal|was terminated by exception|terminating any other active server processes/ } split /\n/, $log;
}

if (@failures) {
    print "FAILED (seed $opt{seed}):\n", map { "  $_\n" } @failures;
    exit 1;
}
print "fuzz: passed: no XX000, no lost connection, invariants hold\n";
exit 0;
