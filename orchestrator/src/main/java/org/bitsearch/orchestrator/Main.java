package org.bitsearch.orchestrator;

import org.bitsearch.orchestrator.cli.ListCommand;
import org.bitsearch.orchestrator.cli.ResumeCommand;
import org.bitsearch.orchestrator.cli.RunCommand;
import org.bitsearch.orchestrator.cli.SensitivityCommand;
import org.bitsearch.orchestrator.cli.ServeCommand;
import org.bitsearch.orchestrator.cli.ShowCommand;
import org.bitsearch.orchestrator.cli.TrainCommand;
import org.bitsearch.orchestrator.cli.VersionProvider;
import org.bitsearch.orchestrator.cli.WorkerCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code bitsearch} command line. Subcommands are the interface users script against: keep their names,
 * flags and {@code --json} output stable (README, "Command line").
 */
@Command(name = "bitsearch", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Finds how many bits each layer of a neural network needs: bit-width and hyperparameter "
                + "searches with quantization-aware training, early stopping and resumable state.",
        subcommands = {CommandLine.HelpCommand.class, TrainCommand.class, SensitivityCommand.class,
                RunCommand.class, ResumeCommand.class,
                ListCommand.class, ShowCommand.class,
                ServeCommand.class, WorkerCommand.class},
        footer = {"", "Benchmarks: ./bitsearch bench --help (the harness is a jar of its own, tests/bench)."})
public final class Main implements Runnable {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override public void run() {
        spec.commandLine().usage(System.out);
    }

    /** Builds the command line; tests call this to run commands in-process. */
    public static CommandLine commandLine() {
        return new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true);
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }
}
