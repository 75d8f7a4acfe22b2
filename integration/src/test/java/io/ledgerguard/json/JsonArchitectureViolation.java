package io.ledgerguard.json;

import io.aeron.driver.MediaDriver;
import io.prometheus.metrics.core.metrics.Counter;
import net.openhft.chronicle.queue.ChronicleQueue;
import picocli.CommandLine;

import io.ledgerguard.cli.LedgerGuardCli;
import io.ledgerguard.core.pipeline.BackPressure;
import io.ledgerguard.demo.DemoReport;
import io.ledgerguard.gateway.AdminServer;
import io.ledgerguard.gateway.GatewaySettings;
import io.ledgerguard.protocol.sbe.MessageHeaderDecoder;

/**
 * Breaks every rule of {@code ArchitectureTest} that a library package can break, on purpose: a codec that reaches
 * for the command line, the demo, the gateway, the pipeline, the wire format, Prometheus, Chronicle and Aeron, and
 * prints to standard error. Only {@code ArchitectureViolationsTest} imports it; the architecture test itself leaves
 * tests out.
 */
final class JsonArchitectureViolation
{
    private JsonArchitectureViolation()
    {
    }

    /**
     * Types and constructors only: a compile-time constant (a {@code static final int}) is copied into the caller, and
     * leaves no dependency in the class file for a rule to find.
     */
    static String everythingItMustNotUse(
        final CommandLine commandLine, final Counter counter, final ChronicleQueue queue, final AdminServer admin,
        final MediaDriver driver)
    {
        System.err.println("a library printing to standard error");
        return String.valueOf(commandLine) + counter + queue + admin + new LedgerGuardCli() + BackPressure.BLOCK +
            DemoReport.class + new GatewaySettings() + new MessageHeaderDecoder() + driver;
    }
}
