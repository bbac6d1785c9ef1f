package org.esi.node;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Ironic's provision state machine, the part that matters for leasing, as a declared table. A verb from
 * a state moves the node into a transitional state where background work runs; the work ends in the
 * success or the failure state of that row.
 */
public final class ProvisionStateMachine {
    /** One allowed verb: from {@code from}, {@code verb} enters {@code working}; the work ends in {@code done} or {@code failed}. */
    public record Transition(String from, String verb, String working, String done, String failed) {}

    /** States in which a background task owns the node. */
    public static final Set<String> WORKING = Set.of("verifying", "cleaning", "inspecting", "deploying", "deleting", "adopting");

    /**
     * States in which the node waits for its in-band agent's call-backs (Ironic's names); the agent's
     * heartbeats, not a background task, move it on. Each belongs to the working state it stands for.
     */
    public static final Set<String> WAITING = Set.of("clean wait", "wait call-back", "inspect wait");

    /** The working state a wait state stands for ({@code clean wait} is part of {@code cleaning}). */
    public static String workingOf(String state) {
        return switch (state) {
            case "clean wait" -> "cleaning";
            case "wait call-back" -> "deploying";
            case "inspect wait" -> "inspecting";
            default -> state;
        };
    }

    /** Working or waiting: the node is on its way somewhere and must not be handed to anyone yet. */
    public static boolean busy(String state) {
        return WORKING.contains(state) || WAITING.contains(state);
    }

    private static final List<Transition> TABLE = List.of(
            new Transition("enroll", "manage", "verifying", "manageable", "enroll"),
            new Transition("manageable", "provide", "cleaning", "available", "clean failed"),
            new Transition("manageable", "clean", "cleaning", "manageable", "clean failed"),
            new Transition("manageable", "inspect", "inspecting", "manageable", "inspect failed"),
            new Transition("manageable", "adopt", "adopting", "active", "adopt failed"),
            new Transition("manageable", "manage", "verifying", "manageable", "manageable"),
            new Transition("available", "manage", "verifying", "manageable", "available"),
            new Transition("available", "active", "deploying", "active", "deploy failed"),
            new Transition("active", "deleted", "deleting", "available", "error"),
            new Transition("active", "rebuild", "deploying", "active", "deploy failed"),
            new Transition("deploy failed", "deleted", "deleting", "available", "error"),
            new Transition("deploy failed", "active", "deploying", "active", "deploy failed"),
            new Transition("deploy failed", "rebuild", "deploying", "active", "deploy failed"),
            new Transition("error", "deleted", "deleting", "available", "error"),
            new Transition("error", "rebuild", "deploying", "active", "deploy failed"),
            new Transition("clean failed", "manage", "verifying", "manageable", "clean failed"),
            new Transition("inspect failed", "manage", "verifying", "manageable", "inspect failed"),
            new Transition("inspect failed", "inspect", "inspecting", "manageable", "inspect failed"),
            new Transition("adopt failed", "manage", "verifying", "manageable", "adopt failed"),
            new Transition("adopt failed", "adopt", "adopting", "active", "adopt failed"));

    private ProvisionStateMachine() {}

    /** Ironic's verb aliases: {@code deploy} is {@code active}, {@code undeploy} is {@code deleted}. */
    public static String canonicalVerb(String verb) {
        return switch (verb) {
            case "deploy" -> "active";
            case "undeploy" -> "deleted";
            default -> verb;
        };
    }

    public static final Set<String> VERBS = Set.of("manage", "provide", "inspect", "active", "deploy", "deleted", "undeploy",
            "clean", "rebuild", "abort", "adopt");

    public static Optional<Transition> transition(String from, String verb) {
        String v = canonicalVerb(verb);
        return TABLE.stream().filter(t -> t.from().equals(from) && t.verb().equals(v)).findFirst();
    }

    /** The transition a node in a working state is carrying out, found from its state and target. */
    public static Optional<Transition> running(String working, String target) {
        return TABLE.stream().filter(t -> t.working().equals(working) && t.done().equals(target)).findFirst();
    }

    /** Verbs allowed from a state, for error messages. */
    public static List<String> verbsFrom(String state) {
        return TABLE.stream().filter(t -> t.from().equals(state)).map(Transition::verb).distinct().toList();
    }

    public static List<Transition> table() {
        return TABLE;
    }
}
