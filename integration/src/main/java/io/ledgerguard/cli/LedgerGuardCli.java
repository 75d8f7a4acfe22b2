package io.ledgerguard.cli;

import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * Temporary command-line entry point of ledger-guard; it only prints usage and is replaced later.
 */
@Command(name = "ledger-guard", mixinStandardHelpOptions = true, version = "ledger-guard 0.1.0-SNAPSHOT",
        description = "Ledger guard command-line tool.")
public final class LedgerGuardCli implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(System.out);
        return 0;
    }

    /**
     * Runs the command line.
     *
     * @param args command-line arguments
     */
    public static void main(String[] args) {
        System.exit(new CommandLine(new LedgerGuardCli()).execute(args));
    }
}
