# Randomized model check: thousands of random operations run against act_pg
# and against a small independent model of the contract (in this file), and
# every result is compared. Seeded and reproducible: ACT_MODEL_SEED=<n>
# replays a run, ACT_MODEL_OPS=<n> sets its length. On a mismatch the test
# prints the seed and the shortest operation sequence it found that still
# disagrees.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $seed = $ENV{ACT_MODEL_SEED} || int(rand(1_000_000));
my $op_count = $ENV{ACT_MODEL_OPS} || 3000;
my @streams = map { "s$_" } 0 .. 5;
my @names = qw(A B C);

my $node = PostgreSQL::Test::Cluster->new('model');
$node->init;
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION act_pg');
my $psql = $node->background_psql('postgres', on_error_stop => 0);
$psql->query_safe('\set VERBOSITY sqlstate');

# One SQL call; returns [output, sqlstate or ''].
sub call_sql {
    my ($sql) = @_;
    $psql->{stderr} = '';
    my $out = $psql->query($sql);
    my ($state) = $psql->{stderr} =~ /ERROR:\s+([0-9A-Z]{5})/;
    return [ $out, $state // '' ];
}

# --- the model -----------------------------------------------------------

sub fresh_model { return { events => [], last_id => 0 } }

sub version_of {
    my ($m, $stream) = @_;
    my $v = -1;
    $_->{stream} eq $stream and $v = $_->{version} for @{ $m->{events} };
    return $v;
}

# --- operations: generate (data only), then run on both sides -----------

sub pick { return $_[ int(rand(@_)) ] }

sub gen_op {
    my $r = rand();
    if ($r < 0.45) {
        my @batch = map { rand() < 0.1 ? '__snapshot__' : pick(@names) } 1 .. int(rand(4));
        return { kind => 'commit', stream => pick(@streams), batch => \@batch,
                 expect => pick('none', 'none', 'right', 'wrong') };
    }
    my %q;
    $q{stream} = pick('^s1$', 's', '^s[0-2]$', 's5', 'x') if rand() < 0.4;
    $q{stream} = pick(@streams), $q{exact} = 1 if !defined $q{stream} && rand() < 0.3;
    $q{names} = [ grep { rand() < 0.5 } @names, '__snapshot__' ] if rand() < 0.25;
    $q{after} = int(rand(60)) - 1 if rand() < 0.3;
    $q{before} = int(rand(60)) if rand() < 0.2;
    $q{limit} = int(rand(5)) if rand() < 0.25;
    $q{backward} = 1 if rand() < 0.3;
    $q{snaps} = 1 if rand() < 0.25;
    return { kind => 'query', %q };
}

sub sql_text { my $s = shift; $s =~ s/'/''/g; return "'$s'" }

sub run_commit {
    my ($m, $op) = @_;
    my $current = version_of($m, $op->{stream});
    my $expected = $op->{expect} eq 'none' ? undef
                 : $op->{expect} eq 'right' ? $current : $current + 1 + int(rand(2)) * -3;
    my $events = '[' . join(',', map { qq({"name":"$_","data":{}}) } @{ $op->{batch} }) . ']';
    my $res = call_sql(
        "SELECT coalesce(string_agg(id || ':' || version, ',' ORDER BY o), '') FROM act.commit("
        . sql_text($op->{stream}) . ", '$events', expected_version => "
        . (defined $expected ? $expected : 'NULL') . ") WITH ORDINALITY AS c(id, n, d, s, version, cr, m, o)");

    # model
    my $want;
    if (!@{ $op->{batch} }) {
        $want = [ '', '' ];    # an empty array commits nothing, whatever the version
    } elsif (defined $expected && $expected != $current) {
        $want = [ '', 'AC001' ];
    } else {
        my @rows;
        my ($got_ids) = $res->[0];
        my @actual = split /,/, $got_ids // '';
        my $v = $current;
        for my $i (0 .. $#{ $op->{batch} }) {
            # ids come from the server; the model checks they increase
            my ($id) = ($actual[$i] // '') =~ /^(\d+):/;
            $id = $m->{last_id} + 1 if !defined $id || $id <= $m->{last_id};
            $m->{last_id} = $id;
            push @{ $m->{events} }, { id => $id, name => $op->{batch}[$i], stream => $op->{stream}, version => ++$v };
            push @rows, "$id:$v";
        }
        $want = [ join(',', @rows), '' ];
    }
    return ($res, $want);
}

sub run_query {
    my ($m, $op) = @_;
    my @args;
    push @args, 'stream => ' . sql_text($op->{stream}) if defined $op->{stream};
    push @args, 'stream_exact => true' if $op->{exact};
    push @args, "names => '{" . join(',', map { qq("$_") } @{ $op->{names} }) . "}'" if $op->{names};
    push @args, "after => $op->{after}" if defined $op->{after};
    push @args, "before => $op->{before}" if defined $op->{before};
    push @args, "max_rows => $op->{limit}" if defined $op->{limit};
    push @args, 'backward => true' if $op->{backward};
    push @args, 'with_snaps => true' if $op->{snaps};
    my $res = call_sql("SELECT coalesce(string_agg(id::text, ',' ORDER BY o), '') FROM act.query("
        . join(', ', @args) . ') WITH ORDINALITY AS q(id, n, d, s, v, c, m, o)');

    my @e = @{ $m->{events} };
    if (defined $op->{stream}) {
        my $s = $op->{stream};
        @e = $op->{exact} ? grep { $_->{stream} eq $s } @e : grep { $_->{stream} =~ /$s/ } @e;
    }
    if ($op->{names}) {
        my %n = map { $_ => 1 } @{ $op->{names} };
        @e = grep { $n{ $_->{name} } } @e;
    }
    @e = grep { $_->{id} > $op->{after} } @e if defined $op->{after};
    @e = grep { $_->{id} < $op->{before} } @e if defined $op->{before};
    if (!$op->{snaps}) {
        @e = grep { $_->{name} ne '__snapshot__' } @e;
    } elsif ($op->{exact} && !defined $op->{after}) {
        my ($floor) = map { $_->{version} } reverse grep { $_->{stream} eq $op->{stream} && $_->{name} eq '__snapshot__' } @{ $m->{events} };
        @e = grep { $_->{version} >= $floor } @e if defined $floor;
    }
    @e = reverse @e if $op->{backward};
    splice(@e, $op->{limit}) if defined $op->{limit} && @e > $op->{limit};
    return ($res, [ join(',', map { $_->{id} } @e), '' ]);
}

my %run = (commit => \&run_commit, query => \&run_query);

# Runs @ops against a fresh store; returns the index of the first
# disagreement (and both results), or -1.
my $store_no = 0;
sub replay {
    my (@ops) = @_;
    $store_no++;
    call_sql("SELECT act.seed('model_$store_no')");
    call_sql("SET act.store = 'model_$store_no.events'");
    my $m = fresh_model();
    for my $i (0 .. $#ops) {
        srand($seed * 7919 + $i);    # expected-version choices are random too
        my ($got, $want) = $run{ $ops[$i]{kind} }->($m, $ops[$i]);
        return ($i, $got, $want) if $got->[0] ne $want->[0] || $got->[1] ne $want->[1];
    }
    return (-1);
}

sub describe {
    my $op = shift;
    return join(' ', map { my $v = $op->{$_}; "$_=" . (ref $v ? '[' . join(',', @$v) . ']' : $v) } sort keys %$op);
}

srand($seed);
my @ops = map { gen_op() } 1 .. $op_count;
my ($bad, $got, $want) = replay(@ops);
if ($bad < 0) {
    pass("$op_count random operations agree with the model (seed $seed)");
} else {
    # Shrink: drop chunks of operations while the disagreement remains.
    my @failing = @ops[ 0 .. $bad ];
    for (my $chunk = int(@failing / 2); $chunk >= 1; $chunk = int($chunk / 2)) {
        for (my $start = 0; $start + $chunk <= @failing - 1;) {
            my @try = (@failing[ 0 .. $start - 1 ], @failing[ $start + $chunk .. $#failing ]);
            my ($b) = replay(@try);
            if ($b >= 0) { @failing = @try[ 0 .. $b ] } else { $start += $chunk }
        }
    }
    my ($b2, $g2, $w2) = replay(@failing);
    fail("act_pg disagrees with the model (seed $seed)");
    diag("seed $seed, shortest failing sequence (" . scalar(@failing) . " operations):");
    diag("  $_") for map { describe($_) } @failing;
    diag("act_pg: '$g2->[0]' $g2->[1]; model: '$w2->[0]' $w2->[1]");
}

$psql->quit;
$node->stop;
done_testing();
