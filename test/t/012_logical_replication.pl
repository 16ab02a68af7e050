# Logical replication: a store whose tables a subscription writes is
# refused by every act_pg call on the subscriber (0A000, naming the
# subscription), since its sequence, in-flight ids and consumer state are
# not the publisher's: reads would miss events, commits reuse ids. The
# publisher works as before; once the subscription is dropped, the
# subscriber's store works again.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

sub error_of
{
    my ($node, $sql) = @_;
    my ($out, $err) = ('', '');
    $node->psql('postgres', "\\set VERBOSITY verbose\n$sql", stdout => \$out, stderr => \$err);
    return $err =~ /ERROR:\s+([0-9A-Z]{5}):\s+(.*)/ ? "$1 $2" : "no error: $out";
}

my $publisher = PostgreSQL::Test::Cluster->new('publisher');
$publisher->init(allows_streaming => 'logical');
$publisher->start;
my $subscriber = PostgreSQL::Test::Cluster->new('subscriber');
$subscriber->init;
$subscriber->start;
$_->safe_psql('postgres', 'CREATE EXTENSION act_pg') for $publisher, $subscriber;

$publisher->safe_psql('postgres', q{
    SELECT count(*) FROM generate_series(1, 20) g, act.commit('s-' || g % 4, '[{"name":"E","data":{}}]');
    SELECT act.subscribe('[{"stream":"p","source":"s-1"}]');
    CREATE PUBLICATION store FOR TABLE act.events, act.events_streams;
});
$subscriber->safe_psql('postgres',
    "CREATE SUBSCRIPTION store CONNECTION '" . $publisher->connstr . ' dbname=postgres' . "' PUBLICATION store");
$subscriber->wait_for_subscription_sync($publisher, 'store');
$publisher->safe_psql('postgres', q{SELECT count(*) FROM act.commit('s-1', '[{"name":"Later","data":{}}]')});
$publisher->wait_for_catchup('store');
is($subscriber->safe_psql('postgres', 'SELECT count(*) FROM act.events'), '21', 'the subscriber has the rows');

my %calls = (
    query_after => 'SELECT count(*) FROM act.query(after => 0)',
    query => 'SELECT count(*) FROM act.query()',
    max_event_id => 'SELECT act.max_event_id()',
    query_stats => 'SELECT count(*) FROM act.query_stats()',
    query_streams => 'SELECT count(*) FROM act.query_streams()',
    commit => q{SELECT count(*) FROM act.commit('s-1', '[{"name":"E","data":{}}]')},
    subscribe => q{SELECT act.subscribe('[{"stream":"q"}]')},
    claim => q{SELECT count(*) FROM act.claim(5, 0, 'w', 60000)},
    ack => q{SELECT count(*) FROM act.ack('[{"stream":"p","by":"w","at":1}]')},
    truncate => q{SELECT count(*) FROM act.truncate('[{"stream":"s-2"}]')},
    reset => 'SELECT act.reset()',
);
for my $name (sort keys %calls) {
    like(error_of($subscriber, $calls{$name}),
        qr/^0A000 act_pg store "act\.events" is a logical replication target/, "$name on the subscriber is refused");
}
like(error_of($subscriber, 'SELECT act.max_event_id()'), qr/^0A000 /, 'still refused on a second call');
# A store whose subscriptions table alone is replicated is refused too.
$publisher->safe_psql('postgres', q{
    SELECT act.seed('half');
    CREATE PUBLICATION half FOR TABLE half.events_streams;
});
$subscriber->safe_psql('postgres', "SELECT act.seed('half'); CREATE SUBSCRIPTION half CONNECTION '"
    . $publisher->connstr . ' dbname=postgres' . "' PUBLICATION half");
$subscriber->wait_for_subscription_sync($publisher, 'half');
like(error_of($subscriber, q{SET act.store = 'half.events'; SELECT act.max_event_id()}),
    qr/^0A000 .*"half\.events"/, 'a store whose subscriptions table is replicated is refused');
$subscriber->safe_psql('postgres', 'DROP SUBSCRIPTION half');

# The publisher is not affected.
is($publisher->safe_psql('postgres', 'SELECT count(*) FROM act.query(after => 0)'), '21', 'the publisher reads');
is($publisher->safe_psql('postgres', 'SELECT act.max_event_id()'), '21', 'the publisher has its horizon');

# Dropped subscription: the store is the subscriber's own again (its
# sequence still has to be moved past the replicated ids, README).
$subscriber->safe_psql('postgres', 'DROP SUBSCRIPTION store');
is($subscriber->safe_psql('postgres', 'SELECT count(*) FROM act.query()'), '21', 'after DROP SUBSCRIPTION the store works');

$publisher->stop;
$subscriber->stop;
done_testing();
