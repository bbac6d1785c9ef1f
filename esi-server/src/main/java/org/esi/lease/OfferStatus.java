package org.esi.lease;

/** ESI-Leap's offer states. Only {@code available} offers take time on the node. */
public enum OfferStatus {
    AVAILABLE("available"),
    EXPIRED("expired"),
    DELETED("deleted"),
    ERROR("error");

    private final String word;

    OfferStatus(String word) {
        this.word = word;
    }

    public String word() {
        return word;
    }

    public boolean live() {
        return this == AVAILABLE;
    }

    public static OfferStatus of(String word) {
        for (OfferStatus s : values()) {
            if (s.word.equals(word)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown offer status " + word);
    }
}
