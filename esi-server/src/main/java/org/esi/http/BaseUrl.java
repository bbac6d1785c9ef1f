package org.esi.http;

import io.javalin.http.Context;
import java.util.Optional;

/** The URL clients reach this service at: the configured public URL, else what the request says. */
public final class BaseUrl {
    private final Optional<String> configured;

    public BaseUrl(Optional<String> configured) {
        this.configured = configured;
    }

    public String of(Context ctx) {
        return configured.orElseGet(() -> ctx.scheme() + "://" + ctx.host());
    }
}
