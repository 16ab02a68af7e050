# The bounded fuzzer (test/fuzz/fuzz.pl) at a small N against a cluster of
# its own: 4 sessions, random arguments, roles, stores, timeouts, cancels
# and savepoints, then no XX000, no crash and the stores' invariants.
# ACT_FUZZ_SEED and ACT_FUZZ_OPS change the run; bench/fuzz.sh runs it at
# length.
use strict;
use warnings;
use FindBin;
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $seed = $ENV{ACT_FUZZ_SEED} // 1;
my $ops = $ENV{ACT_FUZZ_OPS} // 60000;

my $node = PostgreSQL::Test::Cluster->new('fuzz');
$node->init;
$node->start;
local $ENV{PGHOST} = $node->host;
local $ENV{PGPORT} = $node->port;

my @cmd = ('perl', "$FindBin::Bin/../fuzz/fuzz.pl", '--seed', $seed, '--ops', $ops,
    '--server-log', $node->logfile);
my ($stdout, $stderr);
my $ok = IPC::Run::run(\@cmd, '>', \$stdout, '2>', \$stderr);
diag($stdout);
diag($stderr) if $stderr;
ok($ok, "fuzz: seed $seed, $ops operations, no XX000, no crash, invariants hold");

$node->stop;
done_testing();
