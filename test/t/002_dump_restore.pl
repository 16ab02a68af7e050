# pg_dump and pg_restore keep every store: the default store's events,
# subscriptions and sequence (extension configuration tables), and the
# tenants' stores (ordinary tables); commits continue with new ids.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('dump');
$node->init;
$node->start;

$node->safe_psql('postgres', q{
    CREATE EXTENSION act_pg;
    SELECT count(*) FROM act.commit('a', '[{"name":"A1","data":{"x":1}},{"name":"A2","data":{}}]');
    SELECT act.seed('tenant1', notify => true);
    SET act.store = 'tenant1.events';
    SELECT count(*) FROM act.commit('t', '[{"name":"T1","data":{}}]');
});

my $dump = "$PostgreSQL::Test::Utils::tmp_check/store.dump";
$node->command_ok([ 'pg_dump', '-Fc', '-d', $node->connstr('postgres'), '-f', $dump ], 'pg_dump');
$node->safe_psql('postgres', 'CREATE DATABASE restored');
$node->command_ok([ 'pg_restore', '--exit-on-error', '-d', $node->connstr('restored'), $dump ], 'pg_restore');

my $events = q{SELECT string_agg(format('%s %s %s %s %s', id, stream, version, name, data), '; ' ORDER BY id) FROM };
is($node->safe_psql('restored', $events . 'act.events'), $node->safe_psql('postgres', $events . 'act.events'),
    'default store events restored');
is($node->safe_psql('restored', $events . 'tenant1.events'), $node->safe_psql('postgres', $events . 'tenant1.events'),
    'tenant store events restored');
is($node->safe_psql('restored', q{SELECT string_agg(format('%s.%s %s', schema, table_name, notify), ', ' ORDER BY 1) FROM act.stores}),
    'act.events f, tenant1.events t', 'store registry restored');
is($node->safe_psql('restored', q{SELECT id FROM act.commit('a', '[{"name":"A3","data":{}}]', expected_version => 1)}),
    '3', 'commits continue after the restored ids');
is($node->safe_psql('restored', q{SET act.store = 'tenant1.events'; SELECT version FROM act.commit('t', '[{"name":"T2","data":{}}]')}),
    '1', 'tenant store works after restore');

$node->stop;
done_testing();
