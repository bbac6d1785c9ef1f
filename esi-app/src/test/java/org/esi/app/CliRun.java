package org.esi.app;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.esi.cli.EsiCli;

/** One run of the esi CLI in this JVM against a server, as a user's shell would: its exit code and output. */
record CliRun(int code, String out, String err) {
    /** Runs {@code args} with ESI_URL and ESI_CONFIG_DIR set, plus {@code env} (e.g. ESI_TOKEN). */
    static CliRun of(String url, Path configDir, Map<String, String> env, List<String> args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Map<String, String> all = new HashMap<>(env);
        all.put("ESI_URL", url);
        all.put("ESI_CONFIG_DIR", configDir.toString());
        int code = EsiCli.run(args.toArray(String[]::new), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), all);
        return new CliRun(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
