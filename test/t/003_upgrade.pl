# Upgrade: a database made with each shipped version of act_pg (0.1.0,
# 0.2.0), with events and a tenant store in it, is updated with ALTER
# EXTENSION act_pg UPDATE; its functions are those of a fresh install, the
# data is intact, the stores stay registered and usable, and the whole
# regression and isolation suite passes in that database.
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

# The suite's files: regression scripts in the top level's sql/ and
# expected/, isolation specs in test/.
my $testdir = File::Spec->rel2abs(dirname(dirname(__FILE__)));    # test/
my $topdir = dirname($testdir);
my @regress = sort map { basename($_, '.sql') } glob("$topdir/sql/*.sql");
my @specs = sort map { basename($_, '.spec') } glob("$testdir/specs/*.spec");
my $regress = $ENV{PG_REGRESS};
(my $isolation = $regress) =~ s{regress/pg_regress$}{isolation/pg_isolation_regress};

# What an install and an upgrade must agree on: every function's
# definition, settings and grants, and the registry's columns.
my $definitions = q{
    SELECT string_agg(format('%s %s %s %s', p.oid::regprocedure, pg_get_functiondef(p.oid), p.proconfig, p.proacl),
                      E'\n' ORDER BY p.oid::regprocedure::text)
      FROM pg_proc p WHERE p.pronamespace = 'act'::regnamespace AND p.prokind <> 'a'
    UNION ALL
    SELECT string_agg(format('%s %s %s', attname, atttypid::regtype, attnotnull), ', ' ORDER BY attnum)
      FROM pg_attribute WHERE attrelid = 'act.stores'::regclass AND attnum > 0 AND NOT attisdropped};
$node->safe_psql('postgres', 'CREATE DATABASE fresh');
$node->safe_psql('fresh', 'CREATE EXTENSION act_pg');
my $fresh = $node->safe_psql('fresh', $definitions);

# Every shipped version, updated to the current one. (A 0.1.0 database
# with tenant stores does not reach 0.2.0: the shipped 0.1.0--0.2.0 script
# re-seeds them with CREATE TABLE IF NOT EXISTS, which PostgreSQL refuses
# in an extension script for tables that are not the extension's.)
for my $version ('0.1.0', '0.2.0') {
    my $tenant = $version ne '0.1.0';
    (my $db = "upgraded_$version") =~ s/\./_/g;
    $node->safe_psql('postgres', "CREATE DATABASE $db");
    $node->safe_psql($db, qq{
        CREATE EXTENSION act_pg VERSION '$version';
        SELECT count(*) FROM act.commit('upgrade-1', '[{"name":"Old1","data":{"v":1}},{"name":"Old2","data":{}}]',
                                        '{"correlation":"u","causation":{}}');
        SELECT count(*) FROM act.commit('upgrade-2', '[{"name":"Old3","data":{}}]', expected_version => -1);
    });
    $node->safe_psql($db, q{
        SELECT act.seed('old_tenant');
        SET act.store = 'old_tenant.events';
        SELECT count(*) FROM act.commit('t-1', '[{"name":"Tenant","data":{}}]');
    }) if $tenant;
    my $snapshot = q{SELECT string_agg(format('%s|%s|%s|%s|%s|%s|%s', id, name, data, stream, version, created, meta), E'\n' ORDER BY id)
                     FROM act.events WHERE stream LIKE 'upgrade-%'};
    my $before = $node->safe_psql($db, $snapshot);

    $node->safe_psql($db, 'ALTER EXTENSION act_pg UPDATE');
    is($node->safe_psql($db, q{SELECT extversion FROM pg_extension WHERE extname = 'act_pg'}),
        $node->safe_psql($db, q{SELECT default_version FROM pg_available_extensions WHERE name = 'act_pg'}),
        "$version: updated to the current version");
    is($node->safe_psql($db, $definitions), $fresh, "$version: the same functions, grants and registry as an install");
    is($node->safe_psql($db, $snapshot), $before, "$version: events intact after the update");
    is($node->safe_psql($db,
            q{SELECT version FROM act.commit('upgrade-1', '[{"name":"New","data":{}}]', expected_version => 1)}),
        '2', "$version: commit continues the old stream");
    is($node->safe_psql($db, q{SELECT string_agg(format('%s.%s %s', schema, table_name,
                                                        owner = (SELECT extowner FROM pg_extension WHERE extname = 'act_pg')::regrole), ', ' ORDER BY 1)
                               FROM act.stores}),
        'act.events t' . ($tenant ? ', old_tenant.events t' : ''),
        "$version: the stores stay registered, as the extension owner's");
    if ($tenant) {
        is($node->safe_psql($db, q{SET act.store = 'old_tenant.events';
                                   SELECT version FROM act.commit('t-1', '[{"name":"After","data":{}}]', expected_version => 0)}),
            '1', "$version: a tenant store seeded before the update is usable");
        is($node->safe_psql($db, q{SELECT act.drop('old_tenant', 'events')}), 't', "$version: and can be dropped");
    }

    # The whole suite, in the updated database (--use-existing: no fresh
    # database, no CREATE EXTENSION).
    my @connection = ('--host=' . $node->host, '--port=' . $node->port, '--use-existing', "--dbname=$db");
    for my $suite ([ $regress, 'regress', $topdir, \@regress ], [ $isolation, 'isolation', $testdir, \@specs ]) {
        my ($binary, $name, $inputdir, $tests) = @$suite;
        my $out = "$PostgreSQL::Test::Utils::tmp_check/${name}_$db";
        mkdir $out;
        my $ok = $node->command_ok(
            [ $binary, @connection, "--inputdir=$inputdir", "--outputdir=$out",
              '--bindir=' . dirname(`which psql`), @$tests ],
            "$version: $name suite passes in the updated database");
        diag(slurp_file("$out/regression.diffs")) if !$ok && -e "$out/regression.diffs";
    }

    is($node->safe_psql($db, $snapshot . q{ AND name <> 'New'}), $before, "$version: events intact after the suite");
}

$node->stop;
done_testing();
