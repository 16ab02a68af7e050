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
my $op_count = $ENV{ACT_MODEL_OPS} || 5000;
my @streams = map { "s$_" } 0 .. 5;
my @names = qw(A B C);
# Subscription targets: streams of their own, and some event streams (whose
# rows truncate keeps).
my @targets = (map({ "t$_" } 0 .. 3), 's0', 's1');
my @sources = (undef, @streams, '^s[0-2]$', 's');
my @lanes = (undef, 'default', 'l2');

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

sub fresh_model { return { events => [], last_id => 0, subs => {} } }

sub version_of {
    my ($m, $stream) = @_;
    my $v = -1;
    $_->{stream} eq $stream and $v = $_->{version} for @{ $m->{events} };
    return $v;
}

# --- operations: generate (data only), then run on both sides -----------

sub pick { return $_[ int(rand(@_)) ] }

sub gen_filter {
    my %f;
    my $r = rand();
    if ($r < 0.2) {
        $f{streams} = [ grep { rand() < 0.4 } @targets ];
    } elsif ($r < 0.8) {
        $f{stream} = pick('^t', 't1', 's'), $f{stream_exact} = 0 if rand() < 0.3;
        $f{stream} = pick(@targets), $f{stream_exact} = 1 if !defined $f{stream} && rand() < 0.2;
        $f{source} = pick('^s[0-2]', 's1', '2'), $f{source_exact} = 0 if rand() < 0.2;
        $f{source} = pick(@streams), $f{source_exact} = 1 if !defined $f{source} && rand() < 0.2;
        $f{blocked} = pick('true', 'false') if rand() < 0.3;
        $f{lane} = pick('default', 'l2') if rand() < 0.2;
    }
    return \%f;
}

sub gen_op {
    my $r = rand();
    if ($r < 0.08) {
        return { kind => 'subscribe', items => [ map {
            { stream => pick(@targets), source => pick(@sources),
              priority => (rand() < 0.5 ? int(rand(4)) : undef), lane => pick(@lanes) } } 1 .. 1 + int(rand(2)) ] };
    }
    if ($r < 0.18) {
        return { kind => 'claim', lane => pick(@lanes), lead => int(rand(3)) };
    }
    if ($r < 0.26) {
        return { kind => 'ack', stream => pick(@targets), by => pick('w', 'w', 'x'), at => int(rand(40)) - 1 };
    }
    if ($r < 0.29) {
        return { kind => 'block', stream => pick(@targets), by => pick('w', 'w', 'x') };
    }
    if ($r < 0.34) {
        return { kind => pick('reset', 'unblock', 'prioritize'), filter => gen_filter(), priority => int(rand(4)) };
    }
    if ($r < 0.37) {
        return { kind => 'truncate', stream => pick(@streams, 't0'), snapshot => rand() < 0.5 };
    }
    if ($r < 0.42) {
        return { kind => 'streams' };
    }
    if ($r < 0.70) {
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


sub has_work {
    my ($m, $sub) = @_;
    # A new subscription (at -1) has work only when its source has events.
    for my $e (@{ $m->{events} }) {
        next if $e->{id} <= $sub->{at} || $e->{name} eq '__snapshot__';
        my $src = $sub->{source};
        return 1 if !defined $src;
        return 1 if ($src =~ /[][\\^$.|?*+(){}]/ ? $e->{stream} =~ /$src/ : $e->{stream} eq $src);
    }
    return 0;
}

sub json_text {
    my ($v) = @_;
    return 'null' if !defined $v;
    return $v if $v =~ /^-?\d+$/;
    (my $q = $v) =~ s/\\/\\\\/g;
    return qq("$q");
}

sub run_subscribe {
    my ($m, $op) = @_;
    my $json = '[' . join(',', map {
        my $i = $_;
        '{' . join(',', map { qq("$_":) . json_text($i->{$_}) } grep { defined $i->{$_} } qw(stream source priority lane)) . '}'
    } @{ $op->{items} }) . ']';
    my $res = call_sql("SELECT subscribed || ':' || watermark FROM act.subscribe(" . sql_text($json) . ")");
    # model: per stream, its first source, highest priority, and the last
    # lane given with that priority
    my (%seen, @order);
    for my $i (@{ $op->{items} }) {
        my $s = $seen{ $i->{stream} } //= do { push @order, $i->{stream}; { source => $i->{source} } };
        my $p = $i->{priority} // 0;
        ($s->{priority}, $s->{lane}) = ($p, $i->{lane} // 'default') if !defined $s->{priority} || $p >= $s->{priority};
    }
    my $new = 0;
    for my $stream (@order) {
        my $in = $seen{$stream};
        if (my $sub = $m->{subs}{$stream}) {
            # the lane follows a priority at or above the stored one
            $sub->{lane} = $in->{lane} if $in->{priority} >= $sub->{priority};
            $sub->{priority} = $in->{priority} if $in->{priority} > $sub->{priority};
        } else {
            $new++;
            $m->{subs}{$stream} = { stream => $stream, source => $in->{source}, at => -1, retry => -1,
                                    blocked => 0, error => '', by => '', priority => $in->{priority}, lane => $in->{lane} };
        }
    }
    my $wm = -1;
    $_->{at} > $wm and $wm = $_->{at} for values %{ $m->{subs} };
    return ($res, [ "$new:$wm", '' ]);
}

sub run_claim {
    my ($m, $op) = @_;
    my $res = call_sql("SELECT coalesce(string_agg(stream || ':' || at || ':' || retry || ':' || lagging, ',' ORDER BY stream), '')"
        . " FROM act.claim(100, $op->{lead}, 'w', 600000" . (defined $op->{lane} ? ', ' . sql_text($op->{lane}) : '') . ')');
    my @rows;
    for my $sub (sort { $a->{stream} cmp $b->{stream} } values %{ $m->{subs} }) {
        next if $sub->{blocked} || $sub->{by} ne '' || (defined $op->{lane} && $sub->{lane} ne $op->{lane});
        next if !has_work($m, $sub);
        $sub->{by} = 'w';
        $sub->{retry}++;
        push @rows, "$sub->{stream}:$sub->{at}:$sub->{retry}:true";
    }
    return ($res, [ join(',', @rows), '' ]);
}

sub run_ack {
    my ($m, $op) = @_;
    my $res = call_sql("SELECT coalesce(string_agg(stream || ':' || at || ':' || retry, ','), '') FROM act.ack("
        . sql_text(qq([{"stream":"$op->{stream}","by":"$op->{by}","at":$op->{at}}])) . ')');
    my $sub = $m->{subs}{ $op->{stream} };
    return ($res, [ '', '' ]) if !$sub || $sub->{by} ne $op->{by};
    # a watermark never moves back
    @$sub{qw(at retry by)} = ($op->{at} > $sub->{at} ? $op->{at} : $sub->{at}, -1, '');
    return ($res, [ "$op->{stream}:$sub->{at}:-1", '' ]);
}

sub run_block {
    my ($m, $op) = @_;
    my $res = call_sql("SELECT coalesce(string_agg(stream || ':' || error, ','), '') FROM act.block("
        . sql_text(qq([{"stream":"$op->{stream}","by":"$op->{by}","error":"boom"}])) . ')');
    my $sub = $m->{subs}{ $op->{stream} };
    return ($res, [ '', '' ]) if !$sub || $sub->{by} ne $op->{by} || $sub->{blocked};
    @$sub{qw(blocked error)} = (1, 'boom');
    return ($res, [ "$op->{stream}:boom", '' ]);
}

sub filter_args {
    my ($f) = @_;
    my @a;
    push @a, "streams => '{" . join(',', @{ $f->{streams} }) . "}'" if $f->{streams};
    push @a, 'stream => ' . sql_text($f->{stream}) . ", stream_exact => " . ($f->{stream_exact} ? 'true' : 'false') if defined $f->{stream};
    push @a, 'source => ' . sql_text($f->{source}) . ", source_exact => " . ($f->{source_exact} ? 'true' : 'false') if defined $f->{source};
    push @a, "blocked => $f->{blocked}" if defined $f->{blocked};
    push @a, 'lane => ' . sql_text($f->{lane}) if defined $f->{lane};
    return @a;
}

sub filtered {
    my ($m, $f) = @_;
    return grep {
        my $s = $_;
        (!$f->{streams} || grep({ $_ eq $s->{stream} } @{ $f->{streams} }))
        && (!defined $f->{stream} || ($f->{stream_exact} ? $s->{stream} eq $f->{stream} : $s->{stream} =~ /$f->{stream}/))
        && (!defined $f->{source} || (defined $s->{source}
                && ($f->{source_exact} ? $s->{source} eq $f->{source} : $s->{source} =~ /$f->{source}/)))
        && (!defined $f->{blocked} || ($s->{blocked} ? 'true' : 'false') eq $f->{blocked})
        && (!defined $f->{lane} || $s->{lane} eq $f->{lane})
    } values %{ $m->{subs} };
}

sub run_change {
    my ($m, $op) = @_;
    my @args = filter_args($op->{filter});
    unshift @args, $op->{priority} if $op->{kind} eq 'prioritize';
    my $res = call_sql("SELECT act.$op->{kind}(" . join(', ', @args) . ')');
    my @rows = filtered($m, $op->{filter});
    my $n = 0;
    for my $s (@rows) {
        if ($op->{kind} eq 'reset') {
            @$s{qw(at retry blocked error by)} = (-1, -1, 0, '', ''); $n++;
        } elsif ($op->{kind} eq 'unblock') {
            next if !$s->{blocked};
            @$s{qw(retry blocked error by)} = (-1, 0, '', ''); $n++;
        } elsif ($s->{priority} != $op->{priority}) {
            $s->{priority} = $op->{priority}; $n++;
        }
    }
    return ($res, [ $n, '' ]);
}

sub run_truncate {
    my ($m, $op) = @_;
    my $target = qq({"stream":"$op->{stream}") . ($op->{snapshot} ? ',"snapshot":{"n":1}' : '') . '}';
    my $res = call_sql("SELECT stream || ':' || deleted || ':' || (committed).id || ':' || (committed).name || ':' || (committed).version"
        . " FROM act.truncate(" . sql_text("[$target]") . ')');
    my $deleted = grep { $_->{stream} eq $op->{stream} } @{ $m->{events} };
    $m->{events} = [ grep { $_->{stream} ne $op->{stream} } @{ $m->{events} } ];
    my ($id) = $res->[0] =~ /^[^:]+:\d+:(\d+):/;
    $id = $m->{last_id} + 1 if !defined $id || $id <= $m->{last_id};
    $m->{last_id} = $id;
    my $name = $op->{snapshot} ? '__snapshot__' : '__tombstone__';
    push @{ $m->{events} }, { id => $id, name => $name, stream => $op->{stream}, version => 0 };
    return ($res, [ "$op->{stream}:$deleted:$id:$name:0", '' ]);
}

# The whole subscription table, compared field by field.
sub run_streams {
    my ($m) = @_;
    my $res = call_sql("SELECT coalesce(string_agg(concat_ws(':', stream, coalesce(source, '-'), at, retry, blocked, error,"
        . " coalesce(leased_by, '-'), priority, lane), ',' ORDER BY stream), '') FROM act.query_streams(max_rows => NULL)");
    my $want = join(',', map { join(':', $_->{stream}, $_->{source} // '-', $_->{at}, $_->{retry},
                                   $_->{blocked} ? 't' : 'f', $_->{error}, $_->{by} || '-', $_->{priority}, $_->{lane}) }
                         sort { $a->{stream} cmp $b->{stream} } values %{ $m->{subs} });
    return ($res, [ $want, '' ]);
}

my %run = (commit => \&run_commit, query => \&run_query, subscribe => \&run_subscribe, claim => \&run_claim,
           ack => \&run_ack, block => \&run_block, reset => \&run_change, unblock => \&run_change,
           prioritize => \&run_change, truncate => \&run_truncate, streams => \&run_streams);

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
    my $show;
    $show = sub {
        my $v = shift;
        return 'undef' if !defined $v;
        return '[' . join(',', map { $show->($_) } @$v) . ']' if ref $v eq 'ARRAY';
        return '{' . join(',', map { "$_=" . $show->($v->{$_}) } sort keys %$v) . '}' if ref $v eq 'HASH';
        return $v;
    };
    return $show->($op);
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
