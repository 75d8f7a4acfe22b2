package io.ledgerguard.client;

import org.slf4j.LoggerFactory;

import io.ledgerguard.core.pipeline.BackPressure;

/**
 * Breaks every rule of {@code ArchitectureTest} a client class can break, on purpose: it logs through a logging
 * library, knows the pipeline and prints to standard error. Only {@code ArchitectureViolationsTest} imports it; the
 * architecture test itself leaves tests out.
 */
final class ClientArchitectureViolation
{
    private ClientArchitectureViolation()
    {
    }

    static String everythingItMustNotUse()
    {
        System.err.println("a client printing to standard error");
        return String.valueOf(LoggerFactory.getLogger(ClientArchitectureViolation.class)) + BackPressure.BLOCK;
    }
}
