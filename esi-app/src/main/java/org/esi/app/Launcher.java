package org.esi.app;

import java.util.Arrays;
import org.esi.cli.EsiCli;
import org.esi.server.ServeCommand;

/** The {@code esi} command: {@code serve} runs the server, {@code db} backs up and restores its database, every other verb is the client. */
public final class Launcher {
    private Launcher() {}

    public static void main(String[] args) {
        int code;
        if (args.length > 0 && args[0].equals("serve")) {
            code = ServeCommand.run(Arrays.copyOfRange(args, 1, args.length), System.out, System.err, System.getenv());
        } else if (args.length > 0 && args[0].equals("db")) {
            code = org.esi.server.DbCommand.run(Arrays.copyOfRange(args, 1, args.length), System.out, System.err, System.getenv());
        } else {
            code = EsiCli.run(args, System.out, System.err, System.getenv());
        }
        System.out.flush();
        System.exit(code);
    }
}
