package io.ledgerguard.core;

import java.util.List;

import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

/**
 * Names the seeds a failing randomised test drew in its failure's message, so that the failure line alone (all a CI
 * summary may show) says how to replay it: {@code -Dguard.seed=N}. The failure keeps its kind (an assertion with its
 * expected and actual values, another assertion, an exception: an error, not a failure), its stack trace, and is the
 * cause of the one thrown; a test that drew no seed, was aborted, or met an {@link Error} of the JVM's fails as it
 * would have.
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
        final String seeds = " [" + String.join(", ", drawn) + ": replay with -Dguard.seed=N]";
        final String message = (failure.getMessage() != null ? failure.getMessage() : failure.toString()) + seeds;
        final Throwable named;
        if (failure instanceof AssertionFailedError)
        {
            // Expected and actual stay, for the IDE's comparison.
            final AssertionFailedError assertion = (AssertionFailedError)failure;
            named = new AssertionFailedError(message,
                assertion.isExpectedDefined() ? assertion.getExpected().getValue() : null,
                assertion.isActualDefined() ? assertion.getActual().getValue() : null, failure);
        }
        else if (failure instanceof AssertionError)
        {
            named = new AssertionError(message, failure);
        }
        else if (failure instanceof Exception)
        {
            // Still an error, not a failure, and its kind is named: the message starts with the exception's class.
            named = new IllegalStateException(failure + seeds, failure);
        }
        else
        {
            throw failure; // an Error of the JVM's own, as it was
        }
        named.setStackTrace(failure.getStackTrace());
        throw named;
    }
}
