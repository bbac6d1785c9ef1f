package org.esi.cluster;

/**
 * Where a pool member is. Only {@code claiming}, {@code deploying} and {@code ready} members count toward the
 * pool's size: a draining member is on its way out and has (or is getting) a replacement.
 */
public enum MemberStatus {
    CLAIMING("claiming"),
    DEPLOYING("deploying"),
    READY("ready"),
    DRAINING("draining"),
    RELEASING("releasing"),
    FAILED("failed");

    private final String word;

    MemberStatus(String word) {
        this.word = word;
    }

    public String word() {
        return word;
    }

    public boolean counts() {
        return this == CLAIMING || this == DEPLOYING || this == READY;
    }

    public static MemberStatus of(String word) {
        for (MemberStatus s : values()) {
            if (s.word.equals(word)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown member status " + word);
    }
}
