-- Prices on offers (market-api.md): credits per node-hour in 1/10,000 credit; null is a free offer.
-- A lease claimed from a priced offer keeps the price it was claimed at and the cost held for it.
-- A pool spends credits only up to its max_price per node-hour (none: free offers only).
alter table offer add column price bigint check (price >= 0);
alter table lease add column price bigint check (price >= 0);
alter table lease add column cost bigint check (cost >= 0);
alter table lease add constraint lease_priced check ((price is null) = (cost is null));
create index market_hold_lease on market_hold (lease_uuid) where lease_uuid is not null;
alter table pool add column max_price bigint check (max_price >= 0);
