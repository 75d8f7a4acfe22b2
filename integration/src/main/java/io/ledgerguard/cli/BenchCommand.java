package io.ledgerguard.cli;

import java.util.List;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

/**
 * {@code ledger-guard bench}: an explicit placeholder until issue 6 builds it. It documents itself under
 * {@code --help}, takes any arguments, and fails with a message saying so.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = {
        "The load harness: open-loop load through the guard in its three uses (linked, embedded pipeline, sidecar), " +
            "latency recorded with HdrHistogram.",
        "Not available yet in this build (issue 6)."
    })
final class BenchCommand implements Callable<Integer>
{
    @Spec
    private CommandSpec spec;

    @Unmatched
    private List<String> arguments;

    @Override
    public Integer call()
    {
        spec.commandLine().getErr().println("ledger-guard bench: not available yet in this build (see issue 6)");
        spec.commandLine().getErr().flush();
        return LedgerGuardCli.EXIT_FAILURE;
    }
}
