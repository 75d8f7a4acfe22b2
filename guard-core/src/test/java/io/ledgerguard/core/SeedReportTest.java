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
        final AssertionFailedError failure =
            new AssertionFailedError("a funded account ==> expected: <true> but was: <false>", true, false);

        final AssertionFailedError named = assertThrows(AssertionFailedError.class,
            () -> report.handleTestExecutionException(null, failure));

        assertEquals("a funded account ==> expected: <true> but was: <false> [SeedReportTest.first seed=" + first +
            ", SeedReportTest.second seed=" + second + ": replay with -Dguard.seed=N]", named.getMessage());
        assertEquals(true, named.getExpected().getValue(), "expected and actual stay, for the IDE");
        assertEquals(false, named.getActual().getValue());
        assertSame(failure, named.getCause());
        assertArrayEquals(failure.getStackTrace(), named.getStackTrace());
    }

    @Test
    void shouldKeepAnExceptionAnErrorNamingItsClass()
    {
        report.beforeEach(null);
        final long seed = Seeds.seed("SeedReportTest.exception");
        final NullPointerException failure = new NullPointerException("engine");

        final IllegalStateException named = assertThrows(IllegalStateException.class,
            () -> report.handleTestExecutionException(null, failure));

        assertEquals("java.lang.NullPointerException: engine [SeedReportTest.exception seed=" + seed +
            ": replay with -Dguard.seed=N]", named.getMessage());
        assertSame(failure, named.getCause());

        final StackOverflowError jvm = new StackOverflowError();
        assertSame(jvm, assertThrows(StackOverflowError.class, () -> report.handleTestExecutionException(null, jvm)));
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
