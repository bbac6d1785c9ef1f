package org.esi.testing;

import java.util.Arrays;
import java.util.Optional;
import java.util.UUID;
import org.esi.persistence.Database;
import org.esi.server.ConfigLoader;
import org.esi.server.EsiConfig;

/**
 * A separate OS process standing in for a service instance that stops inside a transaction: it connects
 * the way the service does (same settings from {@code ESI_*}, same {@link Database} pool and session
 * settings), locks the given lease rows, says {@code LOCKED} and then waits to be stopped with SIGSTOP.
 */
public final class LeaseRowHolder {
    private LeaseRowHolder() {}

    public static void main(String[] args) throws Exception {
        EsiConfig config = ConfigLoader.load(Optional.empty(), System.getenv());
        UUID[] leases = Arrays.stream(args).map(UUID::fromString).toArray(UUID[]::new);
        try (Database db = Database.connect(config.databaseUrl().orElseThrow(), config.databaseUser(), config.databasePassword(),
                2, config.databaseTimeouts())) {
            db.jdbi().useTransaction(h -> {
                h.createQuery("select uuid from lease where uuid = any(:u) for update").bind("u", leases).mapTo(UUID.class).list();
                System.out.println("LOCKED");
                System.out.flush();
                Thread.sleep(Long.MAX_VALUE);
            });
        }
    }
}
