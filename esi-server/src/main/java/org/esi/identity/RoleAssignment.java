package org.esi.identity;

public record RoleAssignment(String userId, String projectId, String role) {}
