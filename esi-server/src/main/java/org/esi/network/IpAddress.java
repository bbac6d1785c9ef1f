package org.esi.network;

import java.math.BigInteger;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An IPv4 or IPv6 address as a number, for subnet arithmetic. Parsing accepts literals only: text is
 * never handed to a resolver, so a host name is a bad address, not a DNS lookup.
 */
public record IpAddress(int version, BigInteger value) implements Comparable<IpAddress> {
    private static final Pattern V4 = Pattern.compile("^(0|[1-9]\\d{0,2})\\.(0|[1-9]\\d{0,2})\\.(0|[1-9]\\d{0,2})\\.(0|[1-9]\\d{0,2})$");
    private static final Pattern V6_CHARS = Pattern.compile("^[0-9a-fA-F:.]{2,45}$");

    public IpAddress {
        if (version != 4 && version != 6) {
            throw new IllegalArgumentException("IP version " + version);
        }
        if (value.signum() < 0 || value.bitLength() > bits(version)) {
            throw new IllegalArgumentException("address out of range");
        }
    }

    static int bits(int version) {
        return version == 4 ? 32 : 128;
    }

    public int bits() {
        return bits(version);
    }

    /** The address {@code text} names; 400 naming {@code field} when it is not an IPv4 or IPv6 literal. */
    public static IpAddress parse(String text, String field) {
        if (text != null) {
            Matcher m = V4.matcher(text);
            if (m.matches()) {
                long v = 0;
                boolean ok = true;
                for (int i = 1; i <= 4; i++) {
                    int octet = Integer.parseInt(m.group(i));
                    ok &= octet <= 255;
                    v = (v << 8) | octet;
                }
                if (ok) {
                    return new IpAddress(4, BigInteger.valueOf(v));
                }
            } else if (text.indexOf(':') >= 0 && V6_CHARS.matcher(text).matches()) {
                try {
                    // With a ':' and only hex digits, colons and dots, Java parses a literal and never resolves.
                    InetAddress a = InetAddress.getByName(text);
                    if (a instanceof Inet6Address) {
                        return new IpAddress(6, new BigInteger(1, a.getAddress()));
                    }
                } catch (UnknownHostException e) {
                    // not a literal: reported below
                }
            }
        }
        throw NeutronErrors.badRequest("'" + org.esi.http.Jsons.clip(text) + "' is not a valid IP address (" + field + ")");
    }

    public IpAddress plus(long n) {
        return new IpAddress(version, value.add(BigInteger.valueOf(n)));
    }

    @Override
    public int compareTo(IpAddress o) {
        return version != o.version ? Integer.compare(version, o.version) : value.compareTo(o.value);
    }

    /** The canonical text: dotted quad, or RFC 5952 IPv6 (lower case, the longest zero run shortened). */
    @Override
    public String toString() {
        if (version == 4) {
            long v = value.longValue();
            return ((v >> 24) & 0xff) + "." + ((v >> 16) & 0xff) + "." + ((v >> 8) & 0xff) + "." + (v & 0xff);
        }
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = value.shiftRight(16 * (7 - i)).intValue() & 0xffff;
        }
        int bestStart = -1;
        int bestLen = 1;
        for (int i = 0; i < 8; ) {
            if (groups[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLen) {
                bestStart = i;
                bestLen = j - i;
            }
            i = j;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append(i == 0 ? "::" : ":");
                i += bestLen - 1;
                continue;
            }
            sb.append(Integer.toHexString(groups[i]));
            if (i < 7) {
                sb.append(':');
            }
        }
        return sb.toString();
    }
}
