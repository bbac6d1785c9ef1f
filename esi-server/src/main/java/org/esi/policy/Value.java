package org.esi.policy;

import java.util.List;
import java.util.Map;

/**
 * The right-hand side of a check: a literal or a {@code %(key)s} template resolved against the target.
 * {@link #resolve} returns {@code null} when a referenced target key is absent or null, which makes the
 * enclosing check false rather than failing the request.
 */
sealed interface Value {

    String resolve(Map<String, Object> target);

    record Text(String text) implements Value {
        @Override
        public String resolve(Map<String, Object> target) {
            return text;
        }
    }

    record TargetKey(String key) implements Value {
        @Override
        public String resolve(Map<String, Object> target) {
            return target == null ? null : Value.asPythonString(target.get(key));
        }
    }

    /** Only built for templates mixing text and keys, so the usual single-key case never allocates. */
    record Concat(List<Value> parts) implements Value {
        public Concat {
            parts = List.copyOf(parts);
        }

        @Override
        public String resolve(Map<String, Object> target) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < parts.size(); i++) {
                String s = parts.get(i).resolve(target);
                if (s == null) {
                    return null;
                }
                sb.append(s);
            }
            return sb.toString();
        }
    }

    /**
     * Renders a target value the way oslo.policy's {@code str()} would, so rules written for oslo
     * (notably {@code True:%(flag)s}) behave the same when the target holds a Java Boolean.
     */
    static String asPythonString(Object value) {
        if (value == null) {
            return null;
        }
        if (value instanceof String s) {
            return s;
        }
        if (value instanceof Boolean b) {
            return b ? "True" : "False";
        }
        return value.toString();
    }
}
