package org.esi.cli;

import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.lang.reflect.Constructor;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Map;
import picocli.CommandLine;

/** Entry point of the {@code esi} client: every verb except {@code serve}, which the launcher handles. */
public final class EsiCli {
  private EsiCli() {}

  /** Runs one command and returns its exit code: 0 success, 1 failure, 2 usage error. */
  public static int run(String[] args, PrintStream out, PrintStream err, Map<String, String> env) {
    return run(args, System.in, out, err, env, Clock.systemUTC());
  }

  /** As {@link #run(String[], PrintStream, PrintStream, Map)} with a chosen standard input (interactive verbs such as {@code node console}). */
  public static int run(String[] args, InputStream in, PrintStream out, PrintStream err, Map<String, String> env) {
    return run(args, in, out, err, env, Clock.systemUTC());
  }

  static int run(String[] args, InputStream in, PrintStream out, PrintStream err, Map<String, String> env, Clock clock) {
    Context ctx = new Context(in, out, err, env == null ? Map.of() : env, clock);
    CommandLine cl = commandLine(ctx);
    cl.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
    cl.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
    cl.setCaseInsensitiveEnumValuesAllowed(true);
    cl.setParameterExceptionHandler((ex, a) -> {
      String where = ex.getCommandLine().getCommandSpec().qualifiedName();
      err.println("esi: " + oneLine(ex.getMessage()) + " (see '" + where + " --help')");
      return 2;
    });
    cl.setExecutionExceptionHandler((ex, c, parsed) -> {
      if (ex instanceof CliException ce) {
        err.println("esi: " + ce.userMessage());
        return 1;
      }
      err.println("esi: internal error: " + oneLine(String.valueOf(ex)));
      return 1;
    });
    int code = cl.execute(args);
    out.flush();
    err.flush();
    return code;
  }

  /** The whole command tree, its commands built with {@code ctx}; times relative to now read ctx's clock. */
  static CommandLine commandLine(Context ctx) {
    ctx.options = new RootCommand();
    CommandLine cl = new CommandLine(ctx.options, new Factory(ctx));
    cl.registerConverter(When.class, text -> When.parse(text, ctx.clock));
    return cl;
  }

  private static String oneLine(String s) {
    return s == null ? "" : s.replaceAll("\\s*[\\r\\n]+\\s*", " ").strip();
  }

  /** Gives commands the {@link Context} through a constructor taking it. */
  private record Factory(Context ctx) implements CommandLine.IFactory {
    @Override
    public <K> K create(Class<K> cls) throws Exception {
      if (cls == RootCommand.class) {
        return cls.cast(ctx.options);
      }
      try {
        Constructor<K> c = cls.getDeclaredConstructor(Context.class);
        c.setAccessible(true);
        return c.newInstance(ctx);
      } catch (NoSuchMethodException e) {
        return CommandLine.defaultFactory().create(cls);
      }
    }
  }
}
