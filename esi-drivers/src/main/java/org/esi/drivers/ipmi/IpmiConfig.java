package org.esi.drivers.ipmi;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.esi.spi.BmcException;
import org.esi.spi.Secret;

/**
 * The parsed driver_info of an {@code ipmi} node, with Ironic's key names.
 * {@code cipherSuite}, {@code timeoutSeconds} and {@code retries} are null when unset, so ipmitool's own
 * defaults apply. {@link Secret#toString()} masks the password, so this record is safe to log.
 */
record IpmiConfig(
        String address,
        int port,
        String username,
        Secret password,
        Integer cipherSuite,
        String privLevel,
        Integer timeoutSeconds,
        Integer retries,
        boolean disableBootTimeout) {

    static final int DEFAULT_PORT = 623;
    static final String DEFAULT_PRIV_LEVEL = "ADMINISTRATOR";
    static final Set<String> PRIV_LEVELS = Set.of("ADMINISTRATOR", "OPERATOR", "USER");
    // IPMI 2.0 limits: a user name is at most 16 bytes, a password at most 20.
    static final int MAX_USERNAME = 16;
    static final int MAX_PASSWORD = 20;

    /** host:port, how messages and logs name the BMC. */
    String target() {
        return (address.contains(":") ? "[" + address + "]" : address) + ":" + port;
    }

    /** The problems with driver_info, in words; never quotes a password. */
    static List<String> problems(Map<String, Object> info) {
        List<String> problems = new ArrayList<>();
        parse(info, problems);
        return problems;
    }

    static IpmiConfig from(Map<String, Object> info) throws BmcException {
        List<String> problems = new ArrayList<>();
        IpmiConfig config = parse(info, problems);
        if (!problems.isEmpty()) {
            throw new BmcException(BmcException.Kind.CONFIGURATION, "invalid driver_info: " + String.join("; ", problems));
        }
        return config;
    }

    private static IpmiConfig parse(Map<String, Object> info, List<String> problems) {
        if (info == null) {
            info = Map.of();
        }
        String address = null;
        Object rawAddress = info.get("ipmi_address");
        if (rawAddress == null || rawAddress.toString().isBlank()) {
            problems.add("ipmi_address is missing");
        } else if (!(rawAddress instanceof String s)) {
            problems.add("ipmi_address must be a string");
        } else if (s.strip().startsWith("-") || s.strip().chars().anyMatch(Character::isWhitespace)) {
            // A leading dash would read as an ipmitool option.
            problems.add("ipmi_address is not a host name or IP address");
        } else {
            address = s.strip();
        }

        int port = integer(info, "ipmi_port", 1, 65535, problems, DEFAULT_PORT);

        String username = null;
        Object rawUser = info.get("ipmi_username");
        if (rawUser != null) {
            if (!(rawUser instanceof String s)) {
                problems.add("ipmi_username must be a string");
            } else if (s.length() > MAX_USERNAME) {
                problems.add("ipmi_username is longer than " + MAX_USERNAME + " characters");
            } else if (!s.isEmpty()) {
                username = s;
            }
        }

        Secret password = null;
        Object rawPassword = info.get("ipmi_password");
        if (rawPassword instanceof Secret s) {
            password = s;
        } else if (rawPassword instanceof String s) {
            password = new Secret(s);
        } else if (rawPassword != null) {
            problems.add("ipmi_password must be a string");
        }
        if (password != null && password.reveal().length() > MAX_PASSWORD) {
            problems.add("ipmi_password is longer than " + MAX_PASSWORD + " characters, the IPMI 2.0 limit");
        }

        Integer cipher = info.containsKey("ipmi_cipher_suite")
                ? integer(info, "ipmi_cipher_suite", 0, 17, problems, 0) : null;

        String priv = DEFAULT_PRIV_LEVEL;
        Object rawPriv = info.get("ipmi_priv_level");
        if (rawPriv != null) {
            String p = rawPriv.toString().strip().toUpperCase(Locale.ROOT);
            if (PRIV_LEVELS.contains(p)) {
                priv = p;
            } else {
                problems.add("ipmi_priv_level must be one of ADMINISTRATOR, OPERATOR, USER");
            }
        }

        Integer timeout = info.containsKey("ipmi_timeout")
                ? integer(info, "ipmi_timeout", 1, 300, problems, 1) : null;
        Integer retries = info.containsKey("ipmi_retries")
                ? integer(info, "ipmi_retries", 0, 10, problems, 0) : null;

        boolean disableBootTimeout = true;
        Object rawDisable = info.get("ipmi_disable_boot_timeout");
        if (rawDisable instanceof Boolean b) {
            disableBootTimeout = b;
        } else if (rawDisable != null) {
            String s = rawDisable.toString().strip().toLowerCase(Locale.ROOT);
            if (s.equals("true") || s.equals("false")) {
                disableBootTimeout = Boolean.parseBoolean(s);
            } else {
                problems.add("ipmi_disable_boot_timeout must be true or false");
            }
        }

        if (!problems.isEmpty()) {
            return null;
        }
        return new IpmiConfig(address, port, username, password, cipher, priv, timeout, retries, disableBootTimeout);
    }

    /** Reads an integer that may arrive as a JSON number or a numeric string. */
    private static int integer(Map<String, Object> info, String key, int min, int max, List<String> problems, int fallback) {
        Object raw = info.get(key);
        if (raw == null) {
            return fallback;
        }
        long value;
        if (raw instanceof Integer || raw instanceof Long || raw instanceof Short || raw instanceof Byte) {
            value = ((Number) raw).longValue();
        } else if (raw instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())) {
            value = n.longValue();
        } else if (raw instanceof String s && s.strip().matches("[+-]?\\d{1,10}")) {
            value = Long.parseLong(s.strip());
        } else {
            problems.add(key + " must be a whole number, not \"" + abbreviate(raw.toString()) + "\"");
            return fallback;
        }
        if (value < min || value > max) {
            problems.add(key + " must be between " + min + " and " + max + ", not " + value);
            return fallback;
        }
        return (int) value;
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }
}
