package org.esi.cli;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code esi node console N}: the node's serial console in this terminal. Enables the console when it
 * is off (PUT states/console), connects to the server's WebSocket
 * {@code /baremetal/v1/nodes/{N}/console/stream} with the token in the X-Auth-Token header, puts the
 * terminal in raw mode and pipes stdin to the machine and the machine to stdout. Ctrl-] disconnects,
 * as in telnet; the terminal is restored on every way out.
 */
@Command(name = "console", description = {"Attach to a node's serial console (Ctrl-] disconnects).",
    "Enables the node's console first when it is disabled."})
final class ConsoleCommand extends Leaf {
  /** Ctrl-]: the telnet escape. */
  static final int ESCAPE = 0x1d;

  @Parameters(paramLabel = "<node>", description = "Name or UUID")
  String node;

  ConsoleCommand(Context ctx) {
    super(ctx);
  }

  @Override
  void run() {
    EsiClient c = client();
    String p = NodeCommands.path(node);
    if (!c.get(p + "/states/console").path("console_enabled").asBoolean(false)) {
      c.put(p + "/states/console", JsonNodeFactory.instance.objectNode().put("enabled", true));
      awaitEnabled(c, p);
    }
    CompletableFuture<String> closed = new CompletableFuture<>();
    AtomicLong lastOutput = new AtomicLong(System.nanoTime());
    WebSocket ws = c.openWebSocket(p + "/console/stream", new WebSocket.Listener() {
      @Override
      public CompletionStage<?> onBinary(WebSocket socket, ByteBuffer data, boolean last) {
        byte[] b = new byte[data.remaining()];
        data.get(b);
        write(b);
        lastOutput.set(System.nanoTime());
        socket.request(1);
        return null;
      }

      @Override
      public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
        write(data.toString().getBytes(StandardCharsets.UTF_8));
        lastOutput.set(System.nanoTime());
        socket.request(1);
        return null;
      }

      @Override
      public CompletionStage<?> onClose(WebSocket socket, int statusCode, String reason) {
        closed.complete(statusCode == WebSocket.NORMAL_CLOSURE || reason == null || reason.isBlank() ? "" : reason);
        return null;
      }

      @Override
      public void onError(WebSocket socket, Throwable error) {
        closed.complete("connection lost: " + (error.getMessage() == null ? error.getClass().getSimpleName() : error.getMessage()));
      }
    });
    RawTerminal tty = RawTerminal.enter(ctx);
    String why;
    try {
      ctx.err.print("Connected to the console of node " + node + ". Escape character is '^]'." + tty.newline());
      ctx.err.flush();
      CompletableFuture<Boolean> escaped = new CompletableFuture<>();
      Thread input = Thread.ofVirtual().name("esi-console-stdin").start(() -> pumpInput(ctx.in, ws, escaped, closed));
      CompletableFuture.anyOf(closed, escaped).join();
      if (escaped.getNow(false) && !closed.isDone()) {
        awaitQuiet(lastOutput, closed, escaped.join());
        try {
          ws.sendClose(WebSocket.NORMAL_CLOSURE, "").get(5, TimeUnit.SECONDS);
          closed.get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
          ws.abort();
        }
      }
      input.interrupt();
      why = closed.getNow("");
    } finally {
      tty.restore();
    }
    ctx.out.flush();
    ctx.err.println();
    ctx.err.println("Connection closed" + (why == null || why.isBlank() ? "." : ": " + why));
  }

  private void write(byte[] b) {
    synchronized (ctx.out) {
      ctx.out.write(b, 0, b.length);
      ctx.out.flush();
    }
  }

  /**
   * Standard input to the machine. Completes {@code escaped} with true on Ctrl-] and with false at the
   * end of input (a pipe, not a person: give the machine a moment to answer before closing).
   */
  private static void pumpInput(InputStream in, WebSocket ws, CompletableFuture<Boolean> escaped, CompletableFuture<String> closed) {
    byte[] buf = new byte[4096];
    try {
      int n;
      while (!closed.isDone() && (n = in.read(buf)) >= 0) {
        int esc = -1;
        for (int i = 0; i < n; i++) {
          if ((buf[i] & 0xff) == ESCAPE) {
            esc = i;
            break;
          }
        }
        int len = esc >= 0 ? esc : n;
        if (len > 0) {
          ws.sendBinary(ByteBuffer.wrap(buf, 0, len), true).get(30, TimeUnit.SECONDS);
        }
        if (esc >= 0) {
          escaped.complete(true);
          return;
        }
      }
      escaped.complete(false);
    } catch (IOException | RuntimeException | java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      escaped.complete(false);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      escaped.complete(true);
    }
  }

  /** After the end of piped input, waits until the machine has been quiet for half a second (at most 5 s). */
  private static void awaitQuiet(AtomicLong lastOutput, CompletableFuture<String> closed, boolean escaped) {
    if (escaped) {
      return;
    }
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (!closed.isDone() && System.nanoTime() < end
        && System.nanoTime() - lastOutput.get() < TimeUnit.MILLISECONDS.toNanos(500)) {
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private void awaitEnabled(EsiClient c, String p) {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!c.get(p + "/states/console").path("console_enabled").asBoolean(false)) {
      if (System.nanoTime() > end) {
        throw new CliException("the console of node " + node + " did not become enabled");
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new CliException("interrupted");
      }
    }
  }

  /**
   * The controlling terminal in raw mode (stty raw -echo < /dev/tty), only when our stdin is the real
   * one and a terminal. {@link #restore} puts back the saved settings; a shutdown hook does too if the
   * process is killed.
   */
  static final class RawTerminal {
    private final String saved;
    private Thread hook;

    private RawTerminal(String saved) {
      this.saved = saved;
    }

    static RawTerminal enter(Context ctx) {
      if (ctx.in != System.in || !stdinIsTerminal()) {
        return new RawTerminal(null);
      }
      String saved = stty("-g");
      if (saved == null || saved.isBlank() || stty("raw -echo") == null) {
        return new RawTerminal(null);
      }
      RawTerminal t = new RawTerminal(saved.strip());
      t.hook = new Thread(() -> stty(t.saved));
      Runtime.getRuntime().addShutdownHook(t.hook);
      return t;
    }

    /** Line ends for our own messages: CR LF while raw, since the terminal no longer adds the CR. */
    String newline() {
      return saved == null ? System.lineSeparator() : "\r\n";
    }

    void restore() {
      if (saved == null) {
        return;
      }
      stty(saved);
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException ignored) {
        // already shutting down; the hook restores
      }
    }

    private static boolean stdinIsTerminal() {
      try {
        Process p = new ProcessBuilder("sh", "-c", "test -t 0").redirectInput(ProcessBuilder.Redirect.INHERIT)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        return p.waitFor() == 0;
      } catch (IOException e) {
        return false;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }

    /** Runs {@code stty ARGS < /dev/tty}; its output, or null when it failed. Settings are stty's own -g words. */
    private static String stty(String args) {
      if (!args.matches("[A-Za-z0-9:= -]+")) {
        return null;
      }
      try {
        Process p = new ProcessBuilder("sh", "-c", "stty " + args + " < /dev/tty").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return p.waitFor() == 0 ? out : null;
      } catch (IOException e) {
        return null;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return null;
      }
    }
  }
}
