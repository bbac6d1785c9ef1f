package org.esi.identity;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import org.esi.http.ApiException;
import org.esi.http.Ids;
import org.esi.persistence.SqlErrors;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;

/** Identity rules that hold whoever asks: unique names, known roles, valid parents, hashed passwords. */
public final class IdentityService {
    private static final Pattern NAME = Pattern.compile("^[\\p{L}\\p{N}_.@+\\- ]{1,64}$");
    /** The one domain. Keystone answers it as a project too (is_domain), the parent of every top-level project. */
    public static final String DOMAIN_ID = "default";
    static final int MIN_PASSWORD = 8;

    private final IdentityStore store;
    private final PasswordHasher hasher;
    private final TokenService tokens;

    public IdentityService(IdentityStore store, PasswordHasher hasher, TokenService tokens) {
        this.store = Objects.requireNonNull(store);
        this.hasher = Objects.requireNonNull(hasher);
        this.tokens = Objects.requireNonNull(tokens);
    }

    public IdentityStore store() {
        return store;
    }

    public PasswordHasher hasher() {
        return hasher;
    }

    // --- projects

    public Project project(String id) {
        return store.project(id).orElseThrow(() -> ApiException.notFound("Could not find project: " + id));
    }

    /** A project by id or, failing that, by unique name; 404 when neither. */
    public Optional<Project> findProject(String idOrName) {
        if (idOrName == null || idOrName.isEmpty() || idOrName.length() > 255) {
            return Optional.empty();
        }
        return store.project(idOrName).or(() -> store.projectByName(idOrName));
    }

    public Project createProject(String name, String description, String parentId, boolean enabled) {
        requireName(name, "project");
        String parent = normaliseParent(parentId);
        if (parent != null) {
            project(parent);
        }
        Project p = new Project(Ids.newHexId(), name, description == null ? "" : description, parent, enabled);
        unique(() -> store.insertProject(p), "A project named '" + name + "' already exists");
        return p;
    }

    public Project updateProject(Project updated) {
        requireName(updated.name(), "project");
        String parent = normaliseParent(updated.parentId());
        if (parent != null) {
            if (store.ancestry(parent).contains(updated.id())) {
                throw ApiException.badRequest("A project cannot be moved below itself");
            }
        }
        Project p = new Project(updated.id(), updated.name(), updated.description(), parent, updated.enabled());
        unique(() -> store.updateProject(p), "A project named '" + p.name() + "' already exists");
        tokens.forgetCachedTokens();
        return p;
    }

    public void deleteProject(String id) {
        project(id);
        try {
            store.deleteProject(id);
        } catch (UnableToExecuteStatementException e) {
            if (SqlErrors.isForeignKeyViolation(e)) {
                throw ApiException.conflict("Project " + id + " still owns or leases nodes, or has child projects; remove those first");
            }
            throw e;
        }
        tokens.forgetCachedTokens();
    }

    static String normaliseParent(String parentId) {
        return parentId == null || parentId.isEmpty() || parentId.equals(DOMAIN_ID) ? null : parentId;
    }

    // --- users

    public User user(String id) {
        return store.user(id).orElseThrow(() -> ApiException.notFound("Could not find user: " + id));
    }

    public Optional<User> findUser(String idOrName) {
        if (idOrName == null || idOrName.isEmpty() || idOrName.length() > 255) {
            return Optional.empty();
        }
        return store.user(idOrName).or(() -> store.userByName(idOrName));
    }

    public User createUser(String name, String password, String defaultProjectId, boolean enabled, String email) {
        requireName(name, "user");
        requirePassword(password);
        if (defaultProjectId != null) {
            project(defaultProjectId);
        }
        User u = new User(Ids.newHexId(), name, defaultProjectId, enabled, email, hasher.hash(password));
        unique(() -> store.insertUser(u), "A user named '" + name + "' already exists");
        return u;
    }

    public User updateUser(User updated, Optional<String> newPassword) {
        requireName(updated.name(), "user");
        if (updated.defaultProjectId() != null) {
            project(updated.defaultProjectId());
        }
        String hash = updated.passwordHash();
        if (newPassword.isPresent()) {
            requirePassword(newPassword.get());
            hash = hasher.hash(newPassword.get());
        }
        User u = new User(updated.id(), updated.name(), updated.defaultProjectId(), updated.enabled(), updated.email(), hash);
        unique(() -> store.updateUser(u), "A user named '" + u.name() + "' already exists");
        tokens.forgetCachedTokens();
        return u;
    }

    public void deleteUser(String id) {
        user(id);
        store.deleteUser(id);
        tokens.forgetCachedTokens();
    }

    // --- roles

    public String role(String nameOrAlias) {
        return Roles.canonical(nameOrAlias).orElseThrow(() -> ApiException.notFound("Could not find role: " + nameOrAlias));
    }

    public void grant(String projectId, String userId, String role) {
        project(projectId);
        user(userId);
        store.grant(userId, projectId, role(role));
    }

    public void revoke(String projectId, String userId, String role) {
        project(projectId);
        user(userId);
        if (!store.revoke(userId, projectId, role(role))) {
            throw ApiException.notFound("User " + userId + " has no role " + role + " on project " + projectId);
        }
        tokens.forgetCachedTokens();
    }

    public List<RoleAssignment> assignments(Optional<String> userId, Optional<String> projectId) {
        return store.namedAssignments(userId, projectId).stream().map(RoleAssignment.Named::assignment).toList();
    }

    // --- helpers

    private static void requireName(String name, String what) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw ApiException.badRequest("A " + what + " name must be 1 to 64 letters, digits, spaces or _ . @ + -");
        }
    }

    static void requirePassword(String password) {
        if (password == null || password.length() < MIN_PASSWORD || password.length() > 1024) {
            throw ApiException.badRequest("A password must be " + MIN_PASSWORD + " to 1024 characters long");
        }
    }

    private static void unique(Runnable write, String conflictMessage) {
        try {
            write.run();
        } catch (UnableToExecuteStatementException e) {
            if (SqlErrors.isUniqueViolation(e)) {
                throw ApiException.conflict(conflictMessage);
            }
            throw e;
        }
    }
}
