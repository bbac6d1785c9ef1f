package org.esi.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.http.HandlerType;
import io.javalin.http.HttpResponseException;
import io.javalin.json.JavalinJackson;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import org.esi.policy.Policy;
import org.esi.persistence.SqlErrors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP front: routes with their declared access, the token check, error bodies in each API's
 * style, and the guarantee that nothing but {@link ApiException} text reaches a client.
 */
public final class HttpApi {
    private static final Logger log = LoggerFactory.getLogger(HttpApi.class);
    public static final long MAX_BODY_BYTES = 1024 * 1024;
    private static final String CALL = "esi.call";

    private final ObjectMapper json;
    private final Policy policy;
    private final TokenValidator tokens;
    private final List<RouteSpec> routes = new ArrayList<>();
    private static final String AUDIT = "esi.audit";
    private RequestAudit audit = RequestAudit.NONE;

    /** A route and what it demands. */
    public record RouteSpec(HandlerType method, String path, Access access, ApiHandler handler) {
        public RouteSpec {
            Objects.requireNonNull(access, () -> "route " + method + " " + path + " declares no access rule");
        }
    }

    /** A route body; it returns nothing and writes its answer through the call's context. */
    @FunctionalInterface
    public interface ApiHandler {
        void handle(Call call) throws Exception;
    }

    public HttpApi(ObjectMapper json, Policy policy, TokenValidator tokens) {
        this.json = json;
        this.policy = policy;
        this.tokens = tokens;
    }

    public void get(String path, Access access, ApiHandler handler) {
        add(HandlerType.GET, path, access, handler);
    }

    public void post(String path, Access access, ApiHandler handler) {
        add(HandlerType.POST, path, access, handler);
    }

    public void put(String path, Access access, ApiHandler handler) {
        add(HandlerType.PUT, path, access, handler);
    }

    public void patch(String path, Access access, ApiHandler handler) {
        add(HandlerType.PATCH, path, access, handler);
    }

    public void delete(String path, Access access, ApiHandler handler) {
        add(HandlerType.DELETE, path, access, handler);
    }

    public void head(String path, Access access, ApiHandler handler) {
        add(HandlerType.HEAD, path, access, handler);
    }

    public void add(HandlerType method, String path, Access access, ApiHandler handler) {
        routes.add(new RouteSpec(method, path, access, handler));
    }

    /** Who records each request (the audit trail); none unless set before {@link #install}. */
    public void audit(RequestAudit audit) {
        this.audit = Objects.requireNonNull(audit);
    }

    public List<RouteSpec> routes() {
        return List.copyOf(routes);
    }

    /**
     * Fails start-up when a route names a rule the policy does not define: a typo in a route or a policy
     * file must not silently turn into "denied for everyone" or, worse, a missing check.
     */
    public void verifyRules() {
        Set<String> missing = new TreeSet<>();
        for (RouteSpec r : routes) {
            if (r.access() instanceof Access.Rule rule && !policy.has(rule.name())) {
                missing.add(rule.name() + " (" + r.method() + " " + r.path() + ")");
            }
        }
        if (!missing.isEmpty()) {
            throw new IllegalStateException("Routes name policy rules that are not defined: " + String.join(", ", missing));
        }
    }

    /** Installs everything into a Javalin instance created by the caller (who owns Jetty settings). */
    public void install(Javalin app) {
        verifyRules();
        // Before routing: Javalin decodes path parameters while matching, and fails on a bad escape.
        app.before(ctx -> {
            PercentEscapes.require(ctx.req().getRequestURI(), "path");
            PercentEscapes.require(ctx.queryString(), "query string");
        });
        for (RouteSpec r : routes) {
            app.addHttpHandler(r.method(), r.path(), audited(r, wrap(r)));
        }
        // After handlers run once the error mappers below have set the final status.
        app.after(ctx -> {
            RequestAudit.Scope scope = ctx.attribute(AUDIT);
            if (scope != null) {
                scope.answered(ctx);
            }
        });
        app.exception(ApiException.class, (e, ctx) -> {
            // Whole seconds, rounded up: a client that waits exactly this long is not refused again.
            e.retryAfter().ifPresent(d -> ctx.header("Retry-After", String.valueOf((d.toMillis() + 999) / 1000)));
            writeError(ctx, e.kind(), e.getMessage(), e.type());
        });
        app.exception(HttpResponseException.class, (e, ctx) -> writeError(ctx, kindFor(e.getStatus()), messageFor(e, ctx)));
        app.exception(Exception.class, (e, ctx) -> {
            var tooLong = SqlErrors.textLimit(e);
            if (tooLong.isPresent()) {
                // The database refused the write as a whole, so nothing changed.
                writeError(ctx, ErrorKind.USER_ERROR, "'" + tooLong.get().column() + "' must be at most "
                        + tooLong.get().maxLength() + " characters");
                return;
            }
            var outage = DatabaseOutage.asApiError(e);
            if (outage.isPresent()) {
                // Expected during a restart or a stuck peer; a trace per request would bury the one line that matters.
                log.warn("Database unavailable on {} {}: {}", ctx.method(), ctx.path(), SafeLog.redacted(e).getMessage());
                writeError(ctx, outage.get().kind(), outage.get().getMessage());
                return;
            }
            log.error("Internal error on {} {}", ctx.method(), ctx.path(), SafeLog.redacted(e));
            writeError(ctx, ErrorKind.INTERNAL, "The server could not complete the request; the error was logged.");
        });
        app.error(404, ctx -> {
            if (ctx.attribute(CALL) == null && ctx.result() == null) {
                writeError(ctx, ErrorKind.NOT_FOUND, "The resource could not be found: " + ctx.method() + " " + ctx.path());
            }
        });
        app.error(405, ctx -> {
            if (ctx.result() == null || !ctx.result().startsWith("{")) {
                writeError(ctx, ErrorKind.METHOD_NOT_ALLOWED, "Method " + ctx.method() + " is not allowed on " + ctx.path());
            }
        });
    }

    public static JavalinJackson jsonMapper(ObjectMapper json) {
        return new JavalinJackson(json, false);
    }

    private Handler audited(RouteSpec route, Handler handler) {
        return ctx -> {
            RequestAudit.Scope scope = audit.begin(ctx, route.method(), route.path());
            ctx.attribute(AUDIT, scope);
            try {
                handler.handle(ctx);
            } finally {
                scope.handlerDone();
            }
        };
    }

    private Handler wrap(RouteSpec route) {
        return ctx -> {
            long length = ctx.req().getContentLengthLong();
            // A chunked body has no length up front; Javalin only checks the header, so measure what arrived.
            boolean chunked = length < 0 && "chunked".equalsIgnoreCase(ctx.header("Transfer-Encoding"));
            if (length > MAX_BODY_BYTES || (chunked && ctx.bodyAsBytes().length > MAX_BODY_BYTES)) {
                throw new ApiException(ErrorKind.TOO_LARGE, "The request body is larger than " + MAX_BODY_BYTES + " bytes");
            }
            ctx.queryParamMap().forEach((name, values) -> {
                if (name.indexOf('\0') >= 0 || values.stream().anyMatch(v -> v.indexOf('\0') >= 0)) {
                    throw ApiException.badRequest("Query parameters must not contain NUL (%00) characters");
                }
            });
            Caller caller = null;
            if (route.access() instanceof Access.Rule) {
                String token = ctx.header("X-Auth-Token");
                if (token == null || token.isBlank()) {
                    token = BrowserSession.apiToken(ctx).orElseThrow(
                            () -> ApiException.unauthorized("The request you have made requires authentication (no X-Auth-Token)."));
                }
                caller = tokens.validate(token.trim()).orElseThrow(
                        () -> ApiException.unauthorized("The token is unknown, expired or revoked."));
                ctx.<RequestAudit.Scope>attribute(AUDIT).authenticated(caller);
            }
            if (ctx.method() == HandlerType.POST || ctx.method() == HandlerType.PUT || ctx.method() == HandlerType.PATCH) {
                requireJsonContentType(ctx);
            }
            Call call = new Call(ctx, caller, route.access(), policy, json);
            ctx.attribute(CALL, call);
            route.handler().handle(call);
            if (!call.authorizedOrAnonymous()) {
                // A handler that answered without consulting its rule is a bug; fail closed.
                ctx.result("");
                throw new IllegalStateException("route " + route.method() + " " + route.path() + " did not check rule " + route.access());
            }
        };
    }

    private static void requireJsonContentType(Context ctx) {
        String type = ctx.contentType();
        if (ctx.bodyAsBytes().length == 0) {
            return;
        }
        if (type != null && !type.toLowerCase().startsWith("application/json") && !type.toLowerCase().contains("+json")) {
            throw new ApiException(ErrorKind.UNSUPPORTED_MEDIA_TYPE, "The request body must be application/json, not " + Jsons.clip(type));
        }
    }

    private void writeError(Context ctx, ErrorKind kind, String message) {
        writeError(ctx, kind, message, null);
    }

    private void writeError(Context ctx, ErrorKind kind, String message, String type) {
        ErrorStyle style = ErrorStyle.forPath(ctx.path());
        ctx.status(kind.status());
        if (kind == ErrorKind.UNAVAILABLE) {
            ctx.header("Retry-After", DatabaseOutage.RETRY_AFTER_SECONDS);
        }
        if (kind == ErrorKind.UNAUTHORIZED && style == ErrorStyle.KEYSTONE) {
            ctx.header("WWW-Authenticate", "Keystone uri=\"" + ctx.scheme() + "://" + ctx.host() + "/identity/v3\"");
        }
        ctx.json(style.body(json, kind, message, type));
    }

    private static ErrorKind kindFor(int status) {
        for (ErrorKind k : ErrorKind.values()) {
            if (k.status() == status) {
                return k;
            }
        }
        return status >= 500 ? ErrorKind.INTERNAL : ErrorKind.USER_ERROR;
    }

    private static String messageFor(HttpResponseException e, Context ctx) {
        return switch (e.getStatus()) {
            case 404 -> "The resource could not be found: " + ctx.method() + " " + ctx.path();
            case 405 -> "Method " + ctx.method() + " is not allowed on " + ctx.path();
            case 413 -> "The request body is larger than " + MAX_BODY_BYTES + " bytes";
            default -> Jsons.clip(e.getMessage());
        };
    }
}
