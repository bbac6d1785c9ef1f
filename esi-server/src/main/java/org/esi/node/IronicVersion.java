package org.esi.node;

import io.javalin.http.Context;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.esi.http.ApiException;
import org.esi.http.ErrorKind;

/**
 * Ironic's microversion negotiation. We serve one representation (the newest) for every accepted
 * version; the header tells clients which versions they may ask for.
 */
public final class IronicVersion {
    public static final String HEADER = "X-OpenStack-Ironic-API-Version";
    public static final int MIN_MINOR = 1;
    /** 1.65 added {@code lessee}; esiclient asks for 1.69 by default, the openstack client up to 1.78 and more. */
    public static final int MAX_MINOR = 78;
    private static final Pattern VERSION = Pattern.compile("^1\\.(\\d{1,3})$");

    private IronicVersion() {}

    public static String min() {
        return "1." + MIN_MINOR;
    }

    public static String max() {
        return "1." + MAX_MINOR;
    }

    /** Sets the version headers and answers 406 for a version outside the range, 400 for a malformed one. */
    public static String negotiate(Context ctx) {
        ctx.header(HEADER.replace("Version", "Minimum-Version"), min());
        ctx.header(HEADER.replace("Version", "Maximum-Version"), max());
        String asked = ctx.header(HEADER);
        String version;
        if (asked == null || asked.isBlank()) {
            version = min();
        } else if (asked.trim().equalsIgnoreCase("latest")) {
            version = max();
        } else {
            Matcher m = VERSION.matcher(asked.trim());
            if (!m.matches()) {
                throw ApiException.badRequest("Invalid value for " + HEADER + ": '" + asked.trim() + "' (use 1.N or latest)");
            }
            int minor = Integer.parseInt(m.group(1));
            if (minor < MIN_MINOR || minor > MAX_MINOR) {
                throw new ApiException(ErrorKind.NOT_ACCEPTABLE, "Version " + asked.trim() + " was requested but the minimum is "
                        + min() + " and the maximum is " + max());
            }
            version = asked.trim();
        }
        ctx.header(HEADER, version);
        ctx.header("Vary", HEADER);
        return version;
    }
}
