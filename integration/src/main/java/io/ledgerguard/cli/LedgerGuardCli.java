package io.ledgerguard.cli;

import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The {@code ledger-guard} command-line program (SPEC §9), run by the {@code ./ledger-guard} launcher. Each
 * subcommand has {@code --help}. Exit codes: {@value #EXIT_OK} success, {@value #EXIT_FAILURE} runtime failure,
 * {@value #EXIT_USAGE} usage or configuration error, with a message naming the offending key, line, field or file.
 */
@Command(
    name = "ledger-guard",
    mixinStandardHelpOptions = true,
    version = "ledger-guard 0.1.0-SNAPSHOT",
    description = "Ledger Guard: keeps an exchange's ledger within its custody holdings, in the transfer path.",
    // Subcommands in the order SPEC §9 lists them.
    subcommands = {
        DemoCommand.class,
        ReplayCommand.class,
        ServeCommand.class,
        ClusterCommand.class,
        BenchCommand.class,
        AuditCommand.class,
        KeysCommand.class,
        ConfigCommand.class
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:success",
        "1:runtime failure",
        "2:usage or configuration error"
    })
public final class LedgerGuardCli implements Callable<Integer>
{
    /** Exit code of success. */
    public static final int EXIT_OK = 0;
    /** Exit code of a failure at run time: an I/O error, a broken invariant. */
    public static final int EXIT_FAILURE = 1;
    /** Exit code of a usage error or a bad configuration. */
    public static final int EXIT_USAGE = 2;

    @Spec
    private CommandSpec spec;

    /**
     * Without a subcommand there is nothing to do: print the usage and report a usage error.
     */
    @Override
    public Integer call()
    {
        spec.commandLine().usage(spec.commandLine().getErr());
        spec.commandLine().getErr().flush();
        return EXIT_USAGE;
    }

    /**
     * Runs the command line.
     *
     * @param args command-line arguments
     */
    public static void main(final String[] args)
    {
        System.exit(new CommandLine(new LedgerGuardCli()).execute(args));
    }
}
