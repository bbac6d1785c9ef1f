-- Per-node reservations for background hardware work: the instance holding a node's reservation is
-- the only one driving its BMC; a crashed instance's reservation lapses at reservation_expires.
alter table node add column reservation_expires timestamptz;
create index node_pending_work on node (uuid)
    where target_power_state is not null
       or provision_state in ('verifying', 'cleaning', 'inspecting', 'deploying', 'deleting', 'adopting');
