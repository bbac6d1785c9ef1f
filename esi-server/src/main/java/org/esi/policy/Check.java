package org.esi.policy;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A compiled rule. Trees are immutable and, once linked, contain no {@link RuleRef}: references are
 * replaced by the referenced rule's tree at load time so evaluation never looks a name up.
 */
sealed interface Check {

    boolean test(Credentials creds, Map<String, Object> target);

    record Always() implements Check {
        @Override
        public boolean test(Credentials creds, Map<String, Object> target) {
            return true;
        }
    }

    record Never() implements Check {
        @Override
        public boolean test(Credentials creds, Map<String, Object> target) {
            return false;
        }
    }

    record Not(Check operand) implements Check {
        @Override
        public boolean test(Credentials creds, Map<String, Object> target) {
            return !operand.test(creds, target);
        }
    }

    record All(List<Check> operands) implements Check {
        public All {
            operands = List.copyOf(operands);
        }

        @Override
        public boolean test(Credentials creds, Map<String, Object> target) {
            // Indexed loop: List.copyOf is random-access and this avoids an Iterator per request.
            for (int i = 0; i < operands.size(); i++) {
                if (!operands.get(i).test(creds, target)) {
                    return false;
                }
            }
            return true;
        }
    }

    record Any(List<Check> operands) implements Check {
        public Any {
            operands = List.copyOf(operands);
        }

        @Override
        public boolean test(Credentials creds, Map<String, Object> target) {
            for (int i = 0; i < operands.size(); i++) {
                if (operands.get(i).test(creds, target)) {
                    return true;
                }
            }
            return false;
        }
    }

    /** {@code role:x}; literal role names are lower-cased at parse time because credentials already are. */
    record HasRole(Value role) implements Check {
        @Override
        public boolean test(Credentials creds, Map<String, Object> target) {
            String name = role.resolve(target);
            // toLowerCase returns the same instance when nothing changes, so this is free for literals.
            return name != null && creds.roles().contains(name.toLowerCase(Locale.ROOT));
        }
    }

    /** {@code project_id:...} and friends: a credential attribute compared with a value. */
    record AttributeEquals(Attribute attribute, Value expected) implements Check {
        @Override
        public boolean test(Credentials creds, Map<String, Object> target) {
            String actual = attribute.of(creds);
            return actual != null && actual.equals(expected.resolve(target));
        }
    }

    /** oslo's reversed form {@code 'literal':%(key)s}: a constant compared with a target value. */
    record LiteralEquals(String literal, Value expected) implements Check {
        @Override
        public boolean test(Credentials creds, Map<String, Object> target) {
            return literal.equals(expected.resolve(target));
        }
    }

    /** {@code rule:name} before linking; evaluating one means linking was skipped, a bug. */
    record RuleRef(String name) implements Check {
        @Override
        public boolean test(Credentials creds, Map<String, Object> target) {
            throw new IllegalStateException("unlinked rule reference to '" + name + "'");
        }
    }

    enum Attribute {
        USER_ID("user_id"),
        PROJECT_ID("project_id");

        final String key;

        Attribute(String key) {
            this.key = key;
        }

        String of(Credentials creds) {
            return switch (this) {
                case USER_ID -> creds.userId();
                case PROJECT_ID -> creds.projectId();
            };
        }

        static Attribute byKey(String key) {
            for (Attribute a : values()) {
                if (a.key.equals(key)) {
                    return a;
                }
            }
            return null;
        }
    }
}
