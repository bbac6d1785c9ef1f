package org.esi.market;

/** A bid is matchable while {@code open} or {@code partially matched}; the other states are final. */
public enum BidStatus {
    OPEN("open"),
    MATCHED("matched"),
    PARTIALLY_MATCHED("partially matched"),
    EXPIRED("expired"),
    CANCELLED("cancelled");

    private final String word;

    BidStatus(String word) {
        this.word = word;
    }

    public String word() {
        return word;
    }

    public boolean matchable() {
        return this == OPEN || this == PARTIALLY_MATCHED;
    }

    public static BidStatus of(String word) {
        for (BidStatus s : values()) {
            if (s.word.equals(word)) {
                return s;
            }
        }
        throw new IllegalArgumentException("bid status " + word);
    }
}
