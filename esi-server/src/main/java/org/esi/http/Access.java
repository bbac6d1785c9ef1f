package org.esi.http;

import java.util.Objects;

/**
 * What a route demands before its handler runs. Every route declares one; a rule route needs a token
 * and its handler must authorize against the rule (with the target it loads) before answering.
 */
public sealed interface Access {
    /** Version documents and login: no token. */
    record Anonymous() implements Access {}

    /** A token, and the named policy rule checked by the handler against its target. */
    record Rule(String name) implements Access {
        public Rule {
            Objects.requireNonNull(name, "rule name");
        }
    }

    static Access anonymous() {
        return new Anonymous();
    }

    static Access rule(String name) {
        return new Rule(name);
    }
}
