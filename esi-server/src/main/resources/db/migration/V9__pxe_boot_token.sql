-- PXE deploys: a node boots its iPXE script from /boot/{node}/{token}/boot.ipxe without logging in.
-- boot_token (128 random bits, hex) is set by each PXE deploy and cleared when the node leaves
-- deploying/active; see org.esi.node.PxeBoot. Its own column, not driver_internal_info, so no API
-- write path copies or returns it by accident.
alter table node add column boot_token text;
