package org.esi.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** A verb. Failures are exceptions ({@link CliException}, picocli's usage errors); success is exit 0. */
abstract class Leaf implements Callable<Integer> {
  final Context ctx;

  @Spec
  CommandSpec spec;

  Leaf(Context ctx) {
    this.ctx = ctx;
  }

  @Override
  public Integer call() {
    run();
    return 0;
  }

  abstract void run();

  /** A usage error (exit 2), for option combinations picocli cannot express. */
  ParameterException usage(String message) {
    return new ParameterException(spec.commandLine(), message);
  }

  EsiClient client() {
    return ctx.client();
  }

  Output output() {
    return ctx.output();
  }
}
