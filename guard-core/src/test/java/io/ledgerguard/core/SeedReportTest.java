package io.ledgerguard.core;

import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * A randomised test's failure names the seeds it drew in its own message, keeping its stack trace and cause.
 */
class SeedReportTest
{
    private final SeedReport report = new SeedReport();

    @Test
    void shouldNameTheSeedsAFailingTestDrewInItsMessage()
    {
        report.beforeEach(null);
        final long first = Seeds.seed("SeedReportTest.first");
        final long second = Seeds.seed("SeedReportTest.second");
        final AssertionFailedError failure = new AssertionFailedError("a funded account ==> expected: <true>");

        final AssertionError named = assertThrows(AssertionError.class,
            () -> report.handleTestExecutionException(null, failure));

        assertEquals("a funded account ==> expected: <true> [SeedReportTest.first seed=" + first +
            ", SeedReportTest.second seed=" + second + ": replay with -Dguard.seed=N]", named.getMessage());
        assertSame(failure, named.getCause());
        assertArrayEquals(failure.getStackTrace(), named.getStackTrace());
    }

    @Test
    void shouldLeaveAFailureAloneWhenNoSeedWasDrawnOrTheTestWasAborted()
    {
        Seeds.seed("SeedReportTest.before");
        report.beforeEach(null);
        final AssertionFailedError failure = new AssertionFailedError("plain");
        assertSame(failure, assertThrows(AssertionFailedError.class,
            () -> report.handleTestExecutionException(null, failure)), "a seed drawn before the test began is not its");

        Seeds.seed("SeedReportTest.aborted");
        final TestAbortedException aborted = new TestAbortedException("assumption");
        assertSame(aborted, assertThrows(TestAbortedException.class,
            () -> report.handleTestExecutionException(null, aborted)));
    }
}
