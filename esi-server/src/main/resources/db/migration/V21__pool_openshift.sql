-- OpenShift pools: the Assisted Installer a pool installs its members with (clusters.md, OpenShift).
-- The offline token and the pull secret are sealed (SecretBox); they are never returned or logged.
create table pool_openshift (
    pool_uuid             uuid primary key references pool (uuid) on delete cascade,
    api_url               text not null,
    token_url             text not null,
    offline_token         text not null,
    pull_secret           text not null,
    name                  text not null,
    openshift_version     text,
    base_dns_domain       text,
    -- day 2: the existing OpenShift cluster the members join as workers, and its API's DNS name
    openshift_cluster_id  text,
    api_vip_dnsname       text,
    -- what the Assisted Installer gave back: the cluster (registered or imported) and the infra-env
    cluster_id            text,
    infra_env_id          text,
    cluster_status        text,
    install_requested     boolean not null default false,
    -- day 1 done: the cluster was opened to more workers (allow-add-workers), which are then installed one by one
    adding_workers        boolean not null default false,
    last_error            text,
    retry_at              timestamptz,
    failures              integer not null default 0
);
