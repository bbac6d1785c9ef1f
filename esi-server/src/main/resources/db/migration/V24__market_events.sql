-- Ledger and bid events (esi.market.*) are about a market transaction or a bid, not always about a node:
-- their resource is the node of the lease they pay for, when there is one.
alter table event alter column resource_type drop not null;
alter table event alter column resource_uuid drop not null;
