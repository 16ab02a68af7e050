# Upgrade: a database made with act_pg 0.1.0, with events in it, is
# updated with ALTER EXTENSION act_pg UPDATE; the data is intact, and the
# whole regression and isolation suite passes in that database.
use strict;
use warnings;
use File::Basename;
use File::Spec;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('upgrade');
$node->init;
$node->start;

$node->safe_psql('postgres', 'CREATE DATABASE upgraded');
$node->safe_psql('upgraded', q{
    CREATE EXTENSION act_pg VERSION '0.1.0';
    SELECT count(*) FROM act.commit('upgrade-1', '[{"name":"Old1","data":{"v":1}},{"name":"Old2","data":{}}]',
                                    '{"correlation":"u","causation":{}}');
    SELECT count(*) FROM act.commit('upgrade-2', '[{"name":"Old3","data":{}}]', expected_version => -1);
});
my $snapshot = q{SELECT string_agg(format('%s|%s|%s|%s|%s|%s|%s', id, name, data, stream, version, created, meta), E'\n' ORDER BY id)
                 FROM act.events WHERE stream LIKE 'upgrade-%'};
my $before = $node->safe_psql('upgraded', $snapshot);

$node->safe_psql('upgraded', 'ALTER EXTENSION act_pg UPDATE');
is($node->safe_psql('upgraded', q{SELECT extversion FROM pg_extension WHERE extname = 'act_pg'}),
    $node->safe_psql('upgraded', q{SELECT default_version FROM pg_available_extensions WHERE name = 'act_pg'}),
    'updated to the current version');
is($node->safe_psql('upgraded', $snapshot), $before, 'events intact after the update');
is($node->safe_psql('upgraded',
        q{SELECT version FROM act.commit('upgrade-1', '[{"name":"New","data":{}}]', expected_version => 1)}),
    '2', 'commit continues the old stream');

# The whole suite, in the updated database (--use-existing: no fresh
# database, no CREATE EXTENSION).
# Regression scripts live in the top level's sql/ and expected/, the
# isolation specs in test/.
my $testdir = File::Spec->rel2abs(dirname(dirname(__FILE__)));    # test/
my $topdir = dirname($testdir);
my @regress = sort map { basename($_, '.sql') } glob("$topdir/sql/*.sql");
my @specs = sort map { basename($_, '.spec') } glob("$testdir/specs/*.spec");
my $regress = $ENV{PG_REGRESS};
(my $isolation = $regress) =~ s{regress/pg_regress$}{isolation/pg_isolation_regress};
my @connection = ('--host=' . $node->host, '--port=' . $node->port, '--use-existing', '--dbname=upgraded');
for my $suite ([ $regress, 'regress', $topdir, \@regress ], [ $isolation, 'isolation', $testdir, \@specs ]) {
    my ($binary, $name, $inputdir, $tests) = @$suite;
    my $out = "$PostgreSQL::Test::Utils::tmp_check/$name";
    mkdir $out;
    my $ok = $node->command_ok(
        [ $binary, @connection, "--inputdir=$inputdir", "--outputdir=$out",
          '--bindir=' . dirname(`which psql`), @$tests ],
        "$name suite passes in the updated database");
    diag(slurp_file("$out/regression.diffs")) if !$ok && -e "$out/regression.diffs";
}

is($node->safe_psql('upgraded', $snapshot . q{ AND name <> 'New'}), $before, 'events intact after the suite');

$node->stop;
done_testing();
