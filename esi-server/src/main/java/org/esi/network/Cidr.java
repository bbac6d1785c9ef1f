package org.esi.network;

import java.math.BigInteger;
import org.esi.http.Jsons;

/** A subnet range {@code base/prefix}; the base has no host bits set. */
public record Cidr(IpAddress base, int prefix) {
    public Cidr {
        if (prefix < 0 || prefix > base.bits()) {
            throw new IllegalArgumentException("prefix " + prefix);
        }
    }

    /** Parses {@code a.b.c.d/n} or {@code x::/n}; host bits set, or anything else, is a 400. */
    public static Cidr parse(String text, String field) {
        int slash = text == null ? -1 : text.indexOf('/');
        if (slash < 0) {
            throw NeutronErrors.badRequest("'" + Jsons.clip(text) + "' is not a valid CIDR (" + field + "); use address/prefix length");
        }
        IpAddress ip = IpAddress.parse(text.substring(0, slash), field);
        String p = text.substring(slash + 1);
        if (!p.matches("\\d{1,3}") || Integer.parseInt(p) > ip.bits()) {
            throw NeutronErrors.badRequest("'" + Jsons.clip(text) + "' has an invalid prefix length (" + field + ")");
        }
        int prefix = Integer.parseInt(p);
        Cidr c = new Cidr(new IpAddress(ip.version(), ip.value().and(mask(ip.bits(), prefix))), prefix);
        if (!c.base().equals(ip)) {
            throw NeutronErrors.badRequest("'" + Jsons.clip(text) + "' isn't a recommended CIDR, '" + c + "' should be specified instead");
        }
        return c;
    }

    private static BigInteger mask(int bits, int prefix) {
        return BigInteger.ONE.shiftLeft(bits).subtract(BigInteger.ONE).xor(BigInteger.ONE.shiftLeft(bits - prefix).subtract(BigInteger.ONE));
    }

    public int version() {
        return base.version();
    }

    public IpAddress last() {
        return new IpAddress(base.version(), base.value().add(BigInteger.ONE.shiftLeft(base.bits() - prefix)).subtract(BigInteger.ONE));
    }

    public boolean contains(IpAddress ip) {
        return ip.version() == version() && ip.compareTo(base) >= 0 && ip.compareTo(last()) <= 0;
    }

    /** Addresses a host may hold: IPv4 keeps the network and broadcast addresses out (but /31 and /32 have none). */
    public IpAddress firstHost() {
        return version() == 4 && prefix < 31 ? base.plus(1) : version() == 6 && prefix < 127 ? base.plus(1) : base;
    }

    public IpAddress lastHost() {
        return version() == 4 && prefix < 31 ? last().plus(-1) : last();
    }

    public boolean isHostAddress(IpAddress ip) {
        return contains(ip) && ip.compareTo(firstHost()) >= 0 && ip.compareTo(lastHost()) <= 0;
    }

    @Override
    public String toString() {
        return base + "/" + prefix;
    }
}
