package org.esi.server;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import org.esi.policy.PolicyException;

/** {@code esi serve [--config FILE]}: starts the service and runs until stopped. */
public final class ServeCommand {
    private ServeCommand() {}

    public static int run(String[] args, PrintStream out, PrintStream err, Map<String, String> env) {
        Optional<Path> file = Optional.ofNullable(env.get("ESI_CONFIG_FILE")).map(Path::of);
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--config", "-c" -> {
                    if (i + 1 >= args.length) {
                        err.println("esi serve: --config needs a file");
                        return 2;
                    }
                    file = Optional.of(Path.of(args[++i]));
                }
                case "--help", "-h" -> {
                    out.println("Usage: esi serve [--config esi.properties]");
                    out.println("Settings come from the file and ESI_* environment variables; see docs/operations.md.");
                    return 0;
                }
                default -> {
                    err.println("esi serve: unknown option " + args[i]);
                    return 2;
                }
            }
        }
        if (file.isEmpty() && Files.exists(Path.of("esi.properties"))) {
            file = Optional.of(Path.of("esi.properties"));
        }
        EsiServer server;
        try {
            EsiConfig config = ConfigLoader.load(file, env);
            server = EsiServer.start(config);
        } catch (ConfigException | PolicyException e) {
            err.println("esi serve: " + e.getMessage());
            return 1;
        } catch (Exception e) {
            err.println("esi serve: cannot start: " + e.getMessage());
            return 1;
        }
        EsiConfig config = server.config();
        out.println("ESI is listening on " + server.url());
        out.println("  data directory: " + config.dataDir().toAbsolutePath()
                + (config.embeddedDatabase() ? " (embedded PostgreSQL)" : " (external PostgreSQL)"));
        server.generatedAdminPassword().ifPresent(p -> {
            try {
                out.println("  first start: created project 'admin' and user 'admin' with password "
                        + Files.readString(p).trim() + " (also in " + p + ", mode 0600; shown only now)");
            } catch (java.io.IOException e) {
                out.println("  first start: the admin password is in " + p);
            }
        });
        out.println("  log in:  esi login --url " + server.url() + " --username admin --project admin --password-stdin");
        out.println("  or:      openstack --os-auth-url " + server.url() + "/identity/v3 --os-username admin "
                + "--os-project-name admin --os-user-domain-id default --os-project-domain-id default token issue");
        out.flush();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "esi-shutdown"));
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }
}
