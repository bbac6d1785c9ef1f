package org.esi.market;

import static org.assertj.core.api.Assertions.assertThat;

import org.jdbi.v3.core.Handle;

/** The ledger's invariants as tests check them, straight from the tables. */
public final class LedgerChecks {
    private LedgerChecks() {}

    /** The sum of every account, mint included; escrow's balance is its entries (V27), every other one's is on its row. */
    public static long total(Handle h) {
        return h.createQuery("select coalesce(sum(balance), 0) + (select coalesce(sum(amount), 0) from market_entry where account_id = 'escrow')"
                + " from market_account").mapTo(Long.class).one();
    }

    /**
     * Everything sums to zero (the accounts, the entries, each transaction); every row balance is the sum of its
     * entries; escrow keeps exactly the open holds.
     */
    public static void assertBalanced(Handle h) {
        assertThat(total(h)).as("sum of all accounts").isZero();
        assertThat(h.createQuery("select coalesce(sum(amount), 0) from market_entry").mapTo(Long.class).one()).as("sum of all entries").isZero();
        assertThat(h.createQuery("""
                select count(*) from market_account a
                where a.id <> 'escrow' and a.balance <> (select coalesce(sum(amount), 0) from market_entry e where e.account_id = a.id)""")
                .mapTo(Long.class).one()).as("balances that are not the sum of their entries").isZero();
        assertThat(h.createQuery("select count(*) from (select transaction_id from market_entry group by transaction_id"
                + " having sum(amount) <> 0) t").mapTo(Long.class).one()).as("unbalanced transactions").isZero();
        assertThat(h.createQuery("select (select coalesce(sum(amount), 0) from market_entry where account_id = 'escrow')"
                + " - (select coalesce(sum(amount), 0) from market_hold where status = 'held')").mapTo(Long.class).one())
                .as("escrow against the open holds").isZero();
    }
}
