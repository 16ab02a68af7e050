-- act.query_streams' source_matches: the subscriptions that may consume
-- from one of the streams named, by act_pg's own rule for a source.
SELECT act.seed('sm');
SET act.store = 'sm.events';
SELECT subscribed FROM act.subscribe('[{"stream":"all"},{"stream":"lit-1","source":"order-1"},{"stream":"lit-12","source":"order-12"},{"stream":"pat-orders","source":"^order-"},{"stream":"pat-users","source":"^user-"},{"stream":"pat-any","source":".*"}]');
-- order-1: its literal subscription (not order-12's), the patterns that
-- match it, and the one with no source.
SELECT stream, source FROM act.query_streams(source_matches => ARRAY['order-1']);
-- Several names: any one may match.
SELECT stream FROM act.query_streams(source_matches => ARRAY['order-12', 'user-7']);
-- No names: only the subscriptions with no source.
SELECT stream FROM act.query_streams(source_matches => ARRAY[]::text[]);
-- With the other filters and paging.
SELECT stream FROM act.query_streams(source_matches => ARRAY['order-1'], stream => '^pat-', after => 'pat-any', max_rows => 1);
-- NULL (omitted): no narrowing; every row carries deferred_at and
-- correlated_at.
SELECT * FROM act.query_streams(max_rows => 2);
SELECT act.drop('sm', 'events');
