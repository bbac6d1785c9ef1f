package org.esi.drivers.ipmi;

import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import org.esi.spi.BmcException;
import org.esi.spi.BmcException.Kind;

/**
 * Turns ipmitool's words into a {@link BmcException}. ipmitool exits 0 on some failures and its exit code
 * never says why, so the kind is read from the text. The order matters: when the session cannot be
 * established ipmitool always ends with "Unable to establish IPMI v2 / RMCP+ session", and only the lines
 * before it (printed with {@code -v}) tell a wrong password from a BMC that does not answer.
 */
final class IpmitoolErrors {
    private IpmitoolErrors() {}

    private record Rule(Pattern pattern, Kind kind, String explanation) {
        static Rule of(String regex, Kind kind, String explanation) {
            return new Rule(Pattern.compile(regex, Pattern.CASE_INSENSITIVE), kind, explanation);
        }
    }

    private static final List<Rule> RULES = List.of(
            Rule.of("RAKP 2 HMAC is invalid|RAKP 2 message indicates an error|unauthorized name|Invalid user name"
                    + "|invalid integrity check value|RAKP 4 message has invalid integrity",
                    Kind.AUTHENTICATION, "the BMC rejected the user name or password"),
            // The BMC answered Open Session but ignored RAKP 1: BMCs (and pyghmi) do this for unknown users.
            Rule.of("no response from RAKP 1", Kind.AUTHENTICATION,
                    "the BMC did not accept the user name (no answer to RAKP 1)"),
            Rule.of("RAKP", Kind.AUTHENTICATION, "authentication with the BMC failed"),
            // With a reason after the colon the BMC answered and refused; without one it did not answer.
            Rule.of("Insufficient privilege|privilege level exceeds|Requested privilege level"
                    + "|Set Session Privilege Level to \\w+ failed: ",
                    Kind.AUTHENTICATION, "the user lacks the privilege level needed (see ipmi_priv_level)"),
            Rule.of("algorithm 0x[0-9a-f]+ is not what we requested|no matching cipher suite|Unsupported cipher suite",
                    Kind.CONFIGURATION, "the BMC does not offer the requested cipher suite (see ipmi_cipher_suite)"),
            Rule.of("Address lookup for .* failed|Could not open socket|Name or service not known",
                    Kind.UNREACHABLE, "the BMC address cannot be resolved"),
            Rule.of("Get Auth Capabilities error|Error issuing Get Channel Authentication Capabilities"
                    + "|No response|Timeout|timed out|Unable to establish|Connection refused|Insufficient resources for session",
                    Kind.UNREACHABLE, "the BMC did not answer"),
            Rule.of("Invalid command", Kind.UNSUPPORTED, "the BMC does not implement this command"));

    // -v chatter that appears on success too; it must not be mistaken for the reason of a failure.
    private static final Pattern NOISE = Pattern.compile(
            "^(Loading IANA PEN Registry.*|Using best available cipher suite.*|Running Get VSO Capabilities.*"
                    + "|Invalid completion code received: .*|Discovered IPMB address.*|Get HPM\\.x Capabilities request failed.*"
                    // ipmitool then falls back to a default suite; BMCs without the command (ipmi_sim) say it every time.
                    + "|Unable to Get Channel Cipher Suites"
                    + "|tcgetattr: .*|Password:\\s*|>\\s*)$");

    /** The exception for a failed command; {@code what} names the operation in words. */
    static BmcException classify(String what, IpmiConfig config, IpmitoolResult result) {
        String text = meaningful(result.stderr() + "\n" + result.stdout());
        Kind kind = Kind.DEVICE_ERROR;
        String explanation = "the BMC reported an error";
        for (Rule rule : RULES) {
            if (rule.pattern().matcher(text).find()) {
                kind = rule.kind();
                explanation = rule.explanation();
                break;
            }
        }
        String detail = text.isBlank() ? "ipmitool exited with status " + result.exitCode() + " and said nothing" : text;
        String message = what + " on BMC " + config.target() + " failed: " + explanation + " (ipmitool: " + detail + ")";
        return new BmcException(kind, mask(message, config));
    }

    /** Drops -v chatter and joins what is left into one line, bounded in length. */
    static String meaningful(String output) {
        StringBuilder out = new StringBuilder();
        for (String line : output.split("\\R")) {
            String l = line.strip();
            if (l.isEmpty() || NOISE.matcher(l).matches()) {
                continue;
            }
            if (l.startsWith("> ")) {
                l = l.substring(2);
            }
            if (out.indexOf(l) >= 0) {
                continue; // ipmitool repeats a line once per retry
            }
            if (!out.isEmpty()) {
                out.append(" / ");
            }
            out.append(l);
        }
        return out.length() > 500 ? out.substring(0, 500) + "..." : out.toString();
    }

    /**
     * Masks the password should the BMC or ipmitool ever echo it. A very short password cannot be masked
     * without mangling the message, so only those of 3 characters or more are replaced.
     */
    static String mask(String text, IpmiConfig config) {
        if (config.password() == null) {
            return text;
        }
        String pw = config.password().reveal();
        if (pw.length() < 3) {
            return text;
        }
        String masked = text.replace(pw, "******");
        // Case-insensitive pass for output that upper-cases (some BMCs shout).
        String lower = masked.toLowerCase(Locale.ROOT);
        String pwLower = pw.toLowerCase(Locale.ROOT);
        if (lower.contains(pwLower)) {
            masked = Pattern.compile(Pattern.quote(pw), Pattern.CASE_INSENSITIVE).matcher(masked).replaceAll("******");
        }
        return masked;
    }
}
