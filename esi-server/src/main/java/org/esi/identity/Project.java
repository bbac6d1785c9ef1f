package org.esi.identity;

/** A tenant. Projects form a tree: offers restricted to a project are open to the projects below it. */
public record Project(String id, String name, String description, String parentId, boolean enabled) {}
