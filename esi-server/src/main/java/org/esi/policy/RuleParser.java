package org.esi.policy;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Parses one rule's text into an unlinked {@link Check}. Tokenisation follows oslo.policy (split on
 * whitespace, then peel parentheses off token edges) so rules copied from OpenStack services read the
 * same; unlike oslo, anything it cannot understand is an error instead of a silently-false check,
 * because a typo in an authorisation rule should stop start-up rather than deny or allow quietly.
 */
final class RuleParser {

    private enum Kind { LPAREN, RPAREN, AND, OR, NOT, CHECK }

    private record Token(Kind kind, String text) {}

    private final String ruleName;
    private final String ruleText;
    private final List<Token> tokens;
    private int pos;

    private RuleParser(String ruleName, String ruleText) {
        this.ruleName = ruleName;
        this.ruleText = ruleText;
        this.tokens = tokenize(ruleText);
    }

    /** @throws PolicyException naming the rule and the offending token */
    static Check parse(String ruleName, String ruleText) {
        return new RuleParser(ruleName, ruleText).parseRule();
    }

    private Check parseRule() {
        if (tokens.isEmpty()) {
            return new Check.Always(); // oslo: an empty rule always passes
        }
        Check check = parseOr();
        if (pos < tokens.size()) {
            Token t = tokens.get(pos);
            throw error(t.kind == Kind.RPAREN
                    ? "unbalanced ')'"
                    : "unexpected '" + t.text + "' (expected 'and', 'or' or end of rule)");
        }
        return check;
    }

    private Check parseOr() {
        List<Check> operands = new ArrayList<>();
        operands.add(parseAnd());
        while (peek(Kind.OR)) {
            pos++;
            operands.add(parseAnd());
        }
        return operands.size() == 1 ? operands.get(0) : new Check.Any(operands);
    }

    private Check parseAnd() {
        List<Check> operands = new ArrayList<>();
        operands.add(parseNot());
        while (peek(Kind.AND)) {
            pos++;
            operands.add(parseNot());
        }
        return operands.size() == 1 ? operands.get(0) : new Check.All(operands);
    }

    private Check parseNot() {
        if (peek(Kind.NOT)) {
            pos++;
            return new Check.Not(parseNot());
        }
        return parsePrimary();
    }

    private Check parsePrimary() {
        if (pos >= tokens.size()) {
            throw error(pos == 0
                    ? "expected a check"
                    : "unexpected end of rule after '" + tokens.get(pos - 1).text + "'");
        }
        Token t = tokens.get(pos++);
        return switch (t.kind) {
            case CHECK -> parseCheck(t.text);
            case LPAREN -> {
                Check inner = parseOr();
                if (!peek(Kind.RPAREN)) {
                    throw error(pos < tokens.size()
                            ? "unexpected '" + tokens.get(pos).text + "' (expected ')')"
                            : "missing ')'");
                }
                pos++;
                yield inner;
            }
            default -> throw error("unexpected '" + t.text + "' (expected a check or '(')");
        };
    }

    private boolean peek(Kind kind) {
        return pos < tokens.size() && tokens.get(pos).kind == kind;
    }

    private Check parseCheck(String token) {
        if (token.equals("@")) {
            return new Check.Always();
        }
        if (token.equals("!")) {
            return new Check.Never();
        }
        int colon = kindEnd(token);
        if (colon < 0) {
            throw error("invalid check '" + token + "' (expected kind:value, '@' or '!')");
        }
        String kind = token.substring(0, colon);
        String match = token.substring(colon + 1);
        if (match.isEmpty()) {
            throw error("check '" + token + "' has an empty value");
        }
        String literal = literal(kind);
        if (literal != null) {
            return new Check.LiteralEquals(literal, value(token, match));
        }
        switch (kind) {
            case "rule":
                return new Check.RuleRef(match);
            case "role":
            case "roles":
                Value role = value(token, match);
                if (role instanceof Value.Text text) {
                    role = new Value.Text(text.text().toLowerCase(Locale.ROOT));
                }
                return new Check.HasRole(role);
            default:
                Check.Attribute attribute = Check.Attribute.byKey(kind);
                if (attribute == null) {
                    throw error("unknown check kind '" + kind + "' in '" + token
                            + "' (expected rule, role, user_id, project_id or a quoted literal)");
                }
                return new Check.AttributeEquals(attribute, value(token, match));
        }
    }

    /** Index of the colon ending the kind; a quoted kind may itself contain colons. */
    private int kindEnd(String token) {
        char first = token.charAt(0);
        if (first == '\'' || first == '"') {
            int close = token.indexOf(first, 1);
            if (close < 0 || close + 1 >= token.length() || token.charAt(close + 1) != ':') {
                throw error("invalid check '" + token + "' (expected 'literal':value)");
            }
            return close + 1;
        }
        return token.indexOf(':');
    }

    /**
     * oslo evaluates the kind with Python's literal_eval and compares str() of the result, so a kind
     * is a literal when it is a quoted string, True/False/None or an integer.
     */
    private static String literal(String kind) {
        if (kind.length() >= 2 && (kind.charAt(0) == '\'' || kind.charAt(0) == '"')
                && kind.charAt(kind.length() - 1) == kind.charAt(0)) {
            return kind.substring(1, kind.length() - 1);
        }
        if (kind.equals("True") || kind.equals("False") || kind.equals("None")) {
            return kind;
        }
        if (kind.matches("[+-]?\\d+")) {
            return new BigInteger(kind).toString();
        }
        return null;
    }

    /** Parses Python %-formatting restricted to what oslo rules use: {@code %(key)s} and {@code %%}. */
    private Value value(String token, String match) {
        List<Value> parts = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        int i = 0;
        while (i < match.length()) {
            char c = match.charAt(i);
            if (c != '%') {
                text.append(c);
                i++;
                continue;
            }
            if (i + 1 < match.length() && match.charAt(i + 1) == '%') {
                text.append('%');
                i += 2;
                continue;
            }
            int close = match.indexOf(')', i);
            if (i + 1 >= match.length() || match.charAt(i + 1) != '(' || close < 0) {
                throw error("invalid substitution in '" + token + "' (expected %(key)s)");
            }
            if (close + 1 >= match.length() || match.charAt(close + 1) != 's') {
                throw error("unsupported substitution in '" + token + "' (only %(key)s is supported)");
            }
            String key = match.substring(i + 2, close);
            if (key.isEmpty()) {
                throw error("empty substitution key in '" + token + "'");
            }
            if (!text.isEmpty()) {
                parts.add(new Value.Text(text.toString()));
                text.setLength(0);
            }
            parts.add(new Value.TargetKey(key));
            i = close + 2;
        }
        if (!text.isEmpty() || parts.isEmpty()) {
            parts.add(new Value.Text(text.toString()));
        }
        return parts.size() == 1 ? parts.get(0) : new Value.Concat(parts);
    }

    private PolicyException error(String reason) {
        return new PolicyException("rule '" + ruleName + "': " + reason + " in \"" + ruleText + "\"");
    }

    private static List<Token> tokenize(String text) {
        List<Token> out = new ArrayList<>();
        for (String raw : text.trim().split("\\s+")) {
            if (raw.isEmpty()) {
                continue;
            }
            int start = 0;
            while (start < raw.length() && raw.charAt(start) == '(') {
                out.add(new Token(Kind.LPAREN, "("));
                start++;
            }
            int end = raw.length();
            int closing = 0;
            while (end > start && raw.charAt(end - 1) == ')') {
                end--;
                closing++;
            }
            String word = raw.substring(start, end);
            if (!word.isEmpty()) {
                out.add(switch (word.toLowerCase(Locale.ROOT)) {
                    case "and" -> new Token(Kind.AND, word);
                    case "or" -> new Token(Kind.OR, word);
                    case "not" -> new Token(Kind.NOT, word);
                    default -> new Token(Kind.CHECK, word);
                });
            }
            for (int i = 0; i < closing; i++) {
                out.add(new Token(Kind.RPAREN, ")"));
            }
        }
        return out;
    }
}
