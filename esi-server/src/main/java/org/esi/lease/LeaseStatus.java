package org.esi.lease;

/**
 * ESI-Leap's lease states; the {@code wait} words contain a space. Every state but {@code expired}
 * and {@code deleted} holds time on the node, including {@code error} and the waits, so a lease stuck
 * in hand-over cannot be overbooked.
 */
public enum LeaseStatus {
    CREATED("created"),
    ACTIVE("active"),
    EXPIRED("expired"),
    DELETED("deleted"),
    ERROR("error"),
    WAIT_FULFILL("wait fulfill"),
    WAIT_EXPIRE("wait expire"),
    WAIT_CANCEL("wait cancel");

    private final String word;

    LeaseStatus(String word) {
        this.word = word;
    }

    public String word() {
        return word;
    }

    public boolean live() {
        return this != EXPIRED && this != DELETED;
    }

    public static LeaseStatus of(String word) {
        for (LeaseStatus s : values()) {
            if (s.word.equals(word)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown lease status " + word);
    }
}
