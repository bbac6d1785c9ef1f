package org.esi.market;

/** A hold is {@code held} until it ends, once, in one of the other states. */
public enum HoldStatus {
    HELD("held"),
    POSTED("posted"),
    VOIDED("voided"),
    EXPIRED("expired");

    private final String word;

    HoldStatus(String word) {
        this.word = word;
    }

    public String word() {
        return word;
    }

    public static HoldStatus of(String word) {
        for (HoldStatus s : values()) {
            if (s.word.equals(word)) {
                return s;
            }
        }
        throw new IllegalArgumentException("hold status " + word);
    }
}
