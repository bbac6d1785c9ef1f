package org.esi.market;

/**
 * A project's account. {@code balance} is the sum of its entries (what it can spend: held credits have already
 * moved to escrow); {@code held} is what its open holds keep in escrow for it.
 */
public record Account(String projectId, long balance, long held) {
    public long available() {
        return balance;
    }
}
