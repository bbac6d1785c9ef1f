package org.esi.identity;

/** A person or robot account. The password hash never leaves the identity package. */
public record User(String id, String name, String defaultProjectId, boolean enabled, String email, String passwordHash) {}
