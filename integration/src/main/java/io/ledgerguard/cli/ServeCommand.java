package io.ledgerguard.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

/**
 * {@code ledger-guard serve}: an explicit placeholder until issue 5 builds it. It documents itself under
 * {@code --help}, takes any arguments, and fails with a message saying so.
 */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description = {
        "The sidecar gateway: other services reach the guard over a socket (binary protocol over TCP, admin and " +
            "metrics over HTTP).",
        "Not available yet in this build (issue 5)."
    })
final class ServeCommand implements Callable<Integer>
{
    @Spec
    private CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE", description = "The configuration (YAML).")
    private Path config;

    @Unmatched
    private List<String> arguments;

    @Override
    public Integer call()
    {
        spec.commandLine().getErr().println("ledger-guard serve: not available yet in this build (see issue 5)");
        spec.commandLine().getErr().flush();
        return LedgerGuardCli.EXIT_FAILURE;
    }
}
