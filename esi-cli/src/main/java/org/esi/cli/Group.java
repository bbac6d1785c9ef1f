package org.esi.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** A noun ({@code esi node}) that only groups verbs: running it bare is a usage error. */
abstract class Group implements Runnable {
  @Spec
  CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(),
        "missing subcommand; choose one of: " + String.join(", ", spec.subcommands().keySet()));
  }
}
