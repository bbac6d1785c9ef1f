package org.esi.policy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Authorisation rules in oslo.policy's language, parsed once and evaluated per request.
 *
 * <h2>Rules</h2>
 * A policy maps rule names to rule text. The server registers defaults; an operator's
 * {@code policy.yaml} (one {@code "name": "rule text"} entry per line, {@code #} comments allowed)
 * replaces any default and may add rules. References resolve by name after overriding, so a default
 * that says {@code rule:admin} uses the operator's {@code admin} if there is one.
 *
 * <h2>Language</h2>
 * <ul>
 *   <li>{@code @} or the empty string: always passes. {@code !}: never passes.</li>
 *   <li>{@code role:NAME}: the credentials hold role NAME (compared in lower case).</li>
 *   <li>{@code rule:NAME}: the result of rule NAME.</li>
 *   <li>{@code user_id:VALUE}, {@code project_id:VALUE}: the credential attribute equals VALUE.</li>
 *   <li>{@code 'LITERAL':VALUE} (also {@code "LITERAL"}, {@code True}, {@code False}, {@code None} or an
 *       integer): the literal equals VALUE, e.g. {@code True:%(node.shared)s}.</li>
 *   <li>VALUE is literal text in which {@code %(key)s} is replaced by the target's entry for
 *       {@code key} (the whole key, dots included, is one map key) and {@code %%} is a percent sign.
 *       Target values are rendered as Python would, so Boolean true is {@code True}.</li>
 *   <li>{@code not}, {@code and}, {@code or} (any case) and parentheses; {@code not} binds tightest,
 *       then {@code and}, then {@code or}.</li>
 * </ul>
 * A check whose credential attribute is null, or whose VALUE refers to a target key that is absent or
 * null, is false; it never throws.
 *
 * <h2>Errors</h2>
 * Unlike oslo.policy, which logs and denies, anything that does not parse, a {@code rule:} naming an
 * unknown rule, and a cycle of rule references all fail {@link #load} with a {@link PolicyException}
 * naming the rule and, for the operator's file, its line: a typo should stop start-up, not quietly
 * change who may do what.
 *
 * <p>Instances are immutable and safe to share between threads. References are inlined at load time,
 * so {@link #enforce} is a map lookup plus a walk of the rule's tree.
 */
public final class Policy {

    private static final Logger LOG = LoggerFactory.getLogger(Policy.class);

    private final Map<String, Check> rules;

    private Policy(Map<String, Check> rules) {
        this.rules = Map.copyOf(rules);
    }

    /**
     * @param defaults           rule name to rule text, as registered by the server
     * @param overrideFileOrNull the operator's policy.yaml, or {@code null} to use only the defaults
     * @throws PolicyException if any rule is invalid, references an unknown rule or forms a cycle, or the
     *                         file cannot be read or is malformed
     */
    public static Policy load(Map<String, String> defaults, Path overrideFileOrNull) {
        Objects.requireNonNull(defaults, "defaults");
        Map<String, Source> sources = new LinkedHashMap<>();
        defaults.forEach((name, text) -> {
            String origin = "default rule";
            if (name == null || name.isBlank()) {
                throw new PolicyException(origin + ": rule name must not be blank");
            }
            if (text == null) {
                throw new PolicyException(origin + " '" + name + "': rule text must not be null");
            }
            sources.put(name, Source.parse(name, text, origin));
        });
        if (overrideFileOrNull != null) {
            List<PolicyFile.Entry> entries = PolicyFile.read(overrideFileOrNull);
            for (PolicyFile.Entry e : entries) {
                String origin = PolicyFile.where(overrideFileOrNull, e.line());
                Source previous = sources.put(e.name(), Source.parse(e.name(), e.text(), origin));
                LOG.debug("{}: {} rule '{}'", origin, previous == null ? "adds" : "overrides", e.name());
            }
            LOG.info("Loaded {} policy rules, {} from {}", sources.size(), entries.size(), overrideFileOrNull);
        }
        return new Policy(new Linker(sources).linkAll());
    }

    /**
     * @return whether the credentials satisfy the rule for this target (null target: no keys)
     * @throws IllegalArgumentException if no rule has this name: callers pass constants, so this is a bug
     */
    public boolean enforce(String ruleName, Credentials creds, Map<String, Object> target) {
        Check check = ruleName == null ? null : rules.get(ruleName);
        if (check == null) {
            throw new IllegalArgumentException("unknown policy rule '" + ruleName + "'");
        }
        return check.test(Objects.requireNonNull(creds, "creds"), target);
    }

    public boolean has(String ruleName) {
        return ruleName != null && rules.containsKey(ruleName);
    }

    /** A parsed but unlinked rule, with where it came from for error messages. */
    private record Source(Check check, String origin) {
        static Source parse(String name, String text, String origin) {
            try {
                return new Source(RuleParser.parse(name, text), origin);
            } catch (PolicyException e) {
                throw new PolicyException(origin + ": " + e.getMessage(), e);
            }
        }
    }

    /** Replaces every {@code rule:} with the referenced tree, detecting unknown names and cycles. */
    private static final class Linker {
        private final Map<String, Source> sources;
        private final Map<String, Check> linked = new HashMap<>();
        private final Set<String> inProgress = new LinkedHashSet<>();

        Linker(Map<String, Source> sources) {
            this.sources = sources;
        }

        Map<String, Check> linkAll() {
            for (String name : sources.keySet()) {
                link(name);
            }
            return linked;
        }

        private Check link(String name) {
            Check done = linked.get(name);
            if (done != null) {
                return done;
            }
            inProgress.add(name);
            Check result = resolve(name, sources.get(name).check());
            inProgress.remove(name);
            linked.put(name, result);
            return result;
        }

        private Check resolve(String owner, Check check) {
            return switch (check) {
                case Check.RuleRef ref -> {
                    if (!sources.containsKey(ref.name())) {
                        throw new PolicyException(sources.get(owner).origin() + ": rule '" + owner
                                + "' references unknown rule '" + ref.name() + "'");
                    }
                    if (inProgress.contains(ref.name())) {
                        throw new PolicyException(sources.get(owner).origin() + ": rule '" + owner
                                + "' is part of a reference cycle: " + cycle(ref.name()));
                    }
                    yield link(ref.name());
                }
                case Check.Not not -> new Check.Not(resolve(owner, not.operand()));
                case Check.All all -> new Check.All(resolveEach(owner, all.operands()));
                case Check.Any any -> new Check.Any(resolveEach(owner, any.operands()));
                default -> check;
            };
        }

        private List<Check> resolveEach(String owner, List<Check> operands) {
            List<Check> out = new ArrayList<>(operands.size());
            for (Check c : operands) {
                out.add(resolve(owner, c));
            }
            return out;
        }

        /**
         * The chain from the first rule of the cycle back to itself, e.g. "a -> b -> a", plus where each
         * member was defined: the rule that closes the loop is often an innocent default.
         */
        private String cycle(String start) {
            StringBuilder chain = new StringBuilder();
            StringBuilder origins = new StringBuilder();
            boolean on = false;
            for (String name : inProgress) {
                on |= name.equals(start);
                if (on) {
                    chain.append(name).append(" -> ");
                    origins.append(origins.isEmpty() ? " (" : "; ")
                            .append(name).append(": ").append(sources.get(name).origin());
                }
            }
            return chain.append(start).append(origins).append(')').toString();
        }
    }
}
