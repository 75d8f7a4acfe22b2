package io.ledgerguard.core;

import java.util.List;

import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;
import org.opentest4j.TestAbortedException;

/**
 * Names the seeds a failing randomised test drew in its failure's message, so that the failure line alone (all a CI
 * summary may show) says how to replay it: {@code -Dguard.seed=N}. The failure keeps its stack trace, and is the
 * cause of the one thrown; a test that drew no seed, or was aborted, fails as it would have.
 */
public final class SeedReport implements BeforeEachCallback, TestExecutionExceptionHandler
{
    @Override
    public void beforeEach(final ExtensionContext context)
    {
        Seeds.clear();
    }

    @Override
    public void handleTestExecutionException(final ExtensionContext context, final Throwable failure)
        throws Throwable
    {
        final List<String> drawn = Seeds.drawn();
        if (drawn.isEmpty() || failure instanceof TestAbortedException)
        {
            throw failure;
        }
        final AssertionError named = new AssertionError(failure.getMessage() + " [" + String.join(", ", drawn) +
            ": replay with -Dguard.seed=N]", failure);
        named.setStackTrace(failure.getStackTrace());
        throw named;
    }
}
