package org.esi.identity;

public record RoleAssignment(String userId, String projectId, String role) {
    /** An assignment with the names Keystone adds on {@code include_names}. */
    public record Named(RoleAssignment assignment, String userName, String projectName) {}
}
