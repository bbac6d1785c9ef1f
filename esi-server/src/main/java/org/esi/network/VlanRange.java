package org.esi.network;

/** VLANs {@code low..high} on physical network {@code physnet} are handed to tenant networks. */
public record VlanRange(String physnet, int low, int high) {}
