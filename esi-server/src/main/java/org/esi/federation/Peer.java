package org.esi.federation;

import java.time.Instant;

/** A site this one trusts: its name (the issuer of its assertions), its base URL and its raw Ed25519 public key. */
public record Peer(String name, String url, byte[] publicKey, Instant createdAt) {
    public Peer {
        publicKey = publicKey.clone();
    }

    @Override
    public byte[] publicKey() {
        return publicKey.clone();
    }
}
