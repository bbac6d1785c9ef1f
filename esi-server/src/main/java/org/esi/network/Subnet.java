package org.esi.network;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** An IP range on a network; ports on the network get fixed IPs from its allocation pools. */
public record Subnet(UUID id, UUID networkId, String projectId, String name, String description, Cidr cidr, IpAddress gatewayIp,
                     boolean enableDhcp, List<Pool> pools, List<String> dnsNameservers, List<HostRoute> hostRoutes,
                     Instant createdAt, Instant updatedAt) {
    /** An inclusive range of addresses IPAM hands out. */
    public record Pool(IpAddress start, IpAddress end) {}

    public record HostRoute(String destination, String nexthop) {}

    public Subnet {
        pools = List.copyOf(pools);
        dnsNameservers = List.copyOf(dnsNameservers);
        hostRoutes = List.copyOf(hostRoutes);
    }
}
