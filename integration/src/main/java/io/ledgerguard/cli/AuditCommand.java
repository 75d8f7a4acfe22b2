package io.ledgerguard.cli;

import java.util.List;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

/**
 * {@code ledger-guard audit}: an explicit placeholder until issue 3 builds it. It documents itself under
 * {@code --help}, takes any arguments, and fails with a message saying so.
 */
@Command(
    name = "audit",
    mixinStandardHelpOptions = true,
    description = {
        "Journal verification (hash chain, replay to the same state hash), explanation of a decision, reports.",
        "Not available yet in this build (issue 3)."
    })
final class AuditCommand implements Callable<Integer>
{
    @Spec
    private CommandSpec spec;

    @Unmatched
    private List<String> arguments;

    @Override
    public Integer call()
    {
        spec.commandLine().getErr().println("ledger-guard audit: not available yet in this build (see issue 3)");
        spec.commandLine().getErr().flush();
        return LedgerGuardCli.EXIT_FAILURE;
    }
}
