package io.ledgerguard.alerts;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import io.ledgerguard.core.Alert;
import io.ledgerguard.core.GuardConfig;
import io.ledgerguard.core.pipeline.AlertListener;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Every alert sink keeps one contract, as the dispatcher's thread relies on it ({@link AlertListener},
 * {@link io.ledgerguard.core.pipeline.AlertDispatcher}): each alert reaches the sink's target once, in order, and is
 * there when {@code onAlert} returns; the sink takes what it needs during the call; a write the target refuses never
 * passes silently (the sink throws an unchecked exception naming the target, or its target records the error) and
 * the sink goes on with the next alert; closing keeps what was written, appends to what an earlier sink wrote, and
 * releases the target even when the last write failed.
 */
class AlertSinkContractTest
{
    private static final int ALERTS = 50;
    private static final Path DEVICE_FULL = Path.of("/dev/full");

    @TempDir
    Path directory;

    private final PrintStream stderr = System.err;
    /** The log sink's target while it works: standard error, captured. */
    private ByteArrayOutputStream captured;
    /** The log sink's target while it fails. */
    private PrintStream failingStream;

    @AfterEach
    void restoreStandardError()
    {
        System.setErr(stderr);
    }

    /**
     * The sinks, each with its target and a reader of it.
     */
    enum Sink
    {
        /** {@link JsonLinesAlertSink}: a file, read back as JSON lines. */
        JSON_LINES
        {
            @Override
            AlertListener open(final AlertSinkContractTest test)
            {
                return new JsonLinesAlertSink(test.directory.resolve("alerts.jsonl"), new GuardConfig());
            }

            @Override
            List<String> read(final AlertSinkContractTest test)
            {
                final List<String> seen = new ArrayList<>();
                for (final String line : lines(test.directory.resolve("alerts.jsonl")))
                {
                    final JsonNode json = json(line);
                    seen.add(json.get("seq").asLong() + "/" + json.get("figures").get("dropped").asLong());
                }
                return seen;
            }

            @Override
            AlertListener openFailing(final AlertSinkContractTest test)
            {
                assumeTrue(Files.isWritable(DEVICE_FULL), "needs /dev/full, whose every write fails");
                return new JsonLinesAlertSink(DEVICE_FULL, new GuardConfig());
            }

            @Override
            void assertSaidSo(final RuntimeException thrown, final AlertSinkContractTest test)
            {
                assertInstanceOf(UncheckedIOException.class, thrown, "a failed write is thrown to the dispatcher");
                assertTrue(thrown.getMessage().contains("file=" + DEVICE_FULL), thrown.getMessage());
            }

            @Override
            boolean repair(final AlertSinkContractTest test)
            {
                // /dev/full stays full.
                return false;
            }

            @Override
            long targetsHeld()
            {
                return openDescriptorsTo(DEVICE_FULL);
            }
        },

        /** {@link LogAlertSink}: the {@code io.ledgerguard.alerts} logger, read back from standard error. */
        LOG
        {
            @Override
            AlertListener open(final AlertSinkContractTest test)
            {
                if (test.captured == null)
                {
                    test.captured = new ByteArrayOutputStream();
                    System.setErr(new PrintStream(test.captured, true, StandardCharsets.UTF_8));
                }
                return new LogAlertSink();
            }

            @Override
            List<String> read(final AlertSinkContractTest test)
            {
                final List<String> seen = new ArrayList<>();
                final Matcher matcher =
                    LOGGED_ALERT.matcher(test.captured.toString(StandardCharsets.UTF_8));
                while (matcher.find())
                {
                    seen.add(matcher.group(1) + "/" + matcher.group(2));
                }
                return seen;
            }

            @Override
            AlertListener openFailing(final AlertSinkContractTest test)
            {
                test.failingStream = new PrintStream(new OutputStream()
                {
                    @Override
                    public void write(final int b) throws IOException
                    {
                        throw new IOException("standard error closed");
                    }
                }, true, StandardCharsets.UTF_8);
                System.setErr(test.failingStream);
                return new LogAlertSink();
            }

            @Override
            void assertSaidSo(final RuntimeException thrown, final AlertSinkContractTest test)
            {
                // Logging never throws into its caller: the failure stays on the stream, as PrintStream records it.
                assertNull(thrown, "the log sink does not throw");
                assertTrue(test.failingStream.checkError(), "the failed write is recorded on the stream");
            }

            @Override
            boolean repair(final AlertSinkContractTest test)
            {
                test.captured = new ByteArrayOutputStream();
                System.setErr(new PrintStream(test.captured, true, StandardCharsets.UTF_8));
                return true;
            }

            @Override
            long targetsHeld()
            {
                return 0;
            }
        };

        /** The log line of a {@link Alert#dropped} alert: its seq and its first figure. */
        private static final Pattern LOGGED_ALERT =
            Pattern.compile("io\\.ledgerguard\\.alerts - alert ALERTS_DROPPED scope=ALL seq=(\\d+) .*dropped=(\\d+)");

        /**
         * @return a new sink over the target; a second call opens another sink over the same target.
         */
        abstract AlertListener open(AlertSinkContractTest test);

        /**
         * @return what a reader of the target sees, in order: each alert's {@code seq/dropped}.
         */
        abstract List<String> read(AlertSinkContractTest test);

        /**
         * @return a sink over a target that refuses every write.
         */
        abstract AlertListener openFailing(AlertSinkContractTest test);

        /**
         * Check that a write the target refused was reported, by what {@code onAlert} threw or by the target.
         */
        abstract void assertSaidSo(RuntimeException thrown, AlertSinkContractTest test);

        /**
         * Let the failing target accept writes again.
         *
         * @return false when the target cannot be repaired.
         */
        abstract boolean repair(AlertSinkContractTest test);

        /**
         * @return how many of this process's file descriptors point at the failing target.
         */
        abstract long targetsHeld();
    }

    @ParameterizedTest
    @EnumSource(Sink.class)
    void shouldDeliverEveryAlertOnceInOrderBeforeOnAlertReturns(final Sink kind) throws Exception
    {
        final AlertListener sink = kind.open(this);
        final List<String> expected = new ArrayList<>();
        for (long seq = 1; seq <= ALERTS; seq++)
        {
            sink.onAlert(alert(seq));
            expected.add(seq + "/" + (seq % 7));

            assertEquals(expected, kind.read(this), "what a reader of the target sees once onAlert returned");
        }
        close(sink);
        assertEquals(expected, kind.read(this));
    }

    @ParameterizedTest
    @EnumSource(Sink.class)
    void shouldTakeWhatItNeedsDuringTheCall(final Sink kind) throws Exception
    {
        final AlertListener sink = kind.open(this);
        final Alert alert = new Alert();
        final List<String> expected = new ArrayList<>();
        for (long seq = 1; seq <= ALERTS; seq++)
        {
            alert.dropped(seq, seq * 1_000_000, seq % 7, seq);
            sink.onAlert(alert);
            expected.add(seq + "/" + (seq % 7));
            // The alert is a ring slot, overwritten by the next command: the sink must not read it after the call.
            alert.dropped(-1, -1, 999, 999);
        }
        close(sink);

        assertEquals(expected, kind.read(this));
    }

    @ParameterizedTest
    @EnumSource(Sink.class)
    void shouldSaySoWhenAWriteFailsAndGoOnWithTheNextAlert(final Sink kind) throws Exception
    {
        final AlertListener sink = kind.openFailing(this);
        for (long seq = 1; seq <= 3; seq++)
        {
            final Alert alert = alert(seq);
            RuntimeException thrown = null;
            try
            {
                sink.onAlert(alert);
            }
            catch (final RuntimeException ex)
            {
                thrown = ex;
            }
            // Every failed write is reported, not only the first: a sink that gave up would go silent.
            kind.assertSaidSo(thrown, this);
        }
        if (kind.repair(this))
        {
            sink.onAlert(alert(4));
            assertEquals(List.of("4/4"), kind.read(this), "the sink writes again once its target does");
        }
        closeQuietly(sink);
    }

    @ParameterizedTest
    @EnumSource(Sink.class)
    void shouldAppendToWhatAnEarlierSinkWroteAndKeepItAllOnClose(final Sink kind) throws Exception
    {
        final AlertListener first = kind.open(this);
        first.onAlert(alert(1));
        first.onAlert(alert(2));
        close(first);
        final AlertListener second = kind.open(this);
        second.onAlert(alert(3));
        close(second);

        assertEquals(List.of("1/1", "2/2", "3/3"), kind.read(this));
    }

    @ParameterizedTest
    @EnumSource(Sink.class)
    void shouldReleaseItsTargetOnCloseEvenAfterAFailedWrite(final Sink kind)
    {
        final long heldBefore = kind.targetsHeld();
        final AlertListener sink = kind.openFailing(this);
        assumeTrue(sink instanceof AutoCloseable, "this sink holds nothing to close");
        try
        {
            sink.onAlert(alert(1));
        }
        catch (final RuntimeException ex)
        {
            kind.assertSaidSo(ex, this);
        }

        try
        {
            ((AutoCloseable)sink).close();
        }
        catch (final Exception ex)
        {
            // What is left to write may fail once more: reported like any failed write.
            kind.assertSaidSo(assertInstanceOf(RuntimeException.class, ex), this);
        }

        assertEquals(heldBefore, kind.targetsHeld(), "the target is released");
    }

    private static Alert alert(final long seq)
    {
        final Alert alert = new Alert();
        alert.dropped(seq, seq * 1_000_000, seq % 7, seq);
        return alert;
    }

    private static void close(final AlertListener sink) throws Exception
    {
        if (sink instanceof AutoCloseable)
        {
            ((AutoCloseable)sink).close();
        }
    }

    private static void closeQuietly(final AlertListener sink)
    {
        try
        {
            close(sink);
        }
        catch (final Exception ex)
        {
            // A sink over a failing target may fail to close; the close case checks what it does then.
        }
    }

    private static List<String> lines(final Path file)
    {
        try
        {
            return Files.exists(file) ? Files.readAllLines(file, StandardCharsets.UTF_8) : List.of();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    private static JsonNode json(final String line)
    {
        try
        {
            final JsonNode json = new ObjectMapper().readTree(line);
            assertNotNull(json, line);
            return json;
        }
        catch (final IOException ex)
        {
            throw new AssertionError("not a JSON line: " + line, ex);
        }
    }

    private static long openDescriptorsTo(final Path target)
    {
        try (Stream<Path> descriptors = Files.list(Path.of("/proc/self/fd")))
        {
            return descriptors.filter(descriptor -> pointsTo(descriptor, target)).count();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    private static boolean pointsTo(final Path descriptor, final Path target)
    {
        try
        {
            return Files.readSymbolicLink(descriptor).equals(target);
        }
        catch (final IOException | UnsupportedOperationException ex)
        {
            // The descriptor that listed the directory is gone by now.
            return false;
        }
    }
}
