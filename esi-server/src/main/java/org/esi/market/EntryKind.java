package org.esi.market;

import java.util.Arrays;
import java.util.Optional;

/** What a ledger transaction was for (market-api.md): the word is what the API and the database store. */
public enum EntryKind {
    GRANT("grant"),
    HOLD("hold"),
    SETTLE("settle"),
    REFUND("refund"),
    TRANSFER("transfer"),
    FEE("fee");

    private final String word;

    EntryKind(String word) {
        this.word = word;
    }

    public String word() {
        return word;
    }

    public static Optional<EntryKind> of(String word) {
        return Arrays.stream(values()).filter(k -> k.word.equals(word)).findFirst();
    }
}
