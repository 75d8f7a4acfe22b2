package io.ledgerguard.cli;

import java.util.List;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

/**
 * {@code ledger-guard bench} reached through this jar: the load harness lives in the {@code bench} module's
 * {@code benchmarks.jar} (it depends on this module, not the other way round), and the {@code ./ledger-guard} launcher
 * runs it from there. Reaching this command means the jar was run directly: it says where the harness is.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = {
        "The load harness: open-loop load through the guard linked and embedded, against baselines, latency " +
            "recorded with HdrHistogram.",
        "Run it with the launcher, ./ledger-guard bench [--quick] [--help], which starts it from " +
            "bench/target/benchmarks.jar."
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
        spec.commandLine().getErr().println("ledger-guard bench: the load harness runs from bench/target/" +
            "benchmarks.jar: use the launcher, ./ledger-guard bench --help");
        spec.commandLine().getErr().flush();
        return LedgerGuardCli.EXIT_USAGE;
    }
}
