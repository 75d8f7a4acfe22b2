package io.ledgerguard.journal;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.ledgerguard.core.Command;
import io.ledgerguard.core.Decision;
import io.ledgerguard.core.pipeline.LedgerGuard;
import io.ledgerguard.core.pipeline.PipelineContext;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A journal whose file system fills up stops the guard before a write to a memory-mapped page the file system cannot
 * back (a SIGBUS), says why on its log, and leaves a journal that reopens, once space is freed, with every
 * acknowledged decision in it and its chain whole. Where the test may mount a 16 MiB tmpfs (root on Linux) the disk
 * really fills up, in a child process; elsewhere the same scenario runs with a free-space probe that runs out, and
 * the test says which it ran. Low space, a failing probe and a full disk at start-up are simulated in any case.
 */
class JournalDiskFullTest
{
    private static final long CHILD_TIMEOUT_SECONDS = 300;
    private static final long FREE_LEFT_BYTES = 4L << 20;
    private static final long MARGIN_BYTES = 1L << 20;
    private static final String STOPPED = "journal stopped accepting: ";

    @TempDir
    Path temp;

    private Path disk;
    private boolean mounted;
    private final List<String> logged = new ArrayList<>();
    private final Handler capture = new Handler()
    {
        @Override
        public void publish(final LogRecord record)
        {
            synchronized (logged)
            {
                logged.add(record.getLevel() + " " + record.getMessage());
            }
        }

        @Override
        public void flush()
        {
        }

        @Override
        public void close()
        {
        }
    };

    @BeforeEach
    void mountSmallFileSystem() throws Exception
    {
        disk = Files.createDirectories(temp.resolve("disk"));
        Process mount;
        String output;
        try
        {
            mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", disk.toString())
                .redirectErrorStream(true).start();
            output = new String(mount.getInputStream().readAllBytes());
            mounted = mount.waitFor(60, TimeUnit.SECONDS) && mount.exitValue() == 0;
        }
        catch (final IOException ex)
        {
            output = ex.toString();
            mounted = false;
        }
        System.out.println("JournalDiskFullTest: " + (mounted ? "a 16 MiB tmpfs mounted at " + disk :
            "cannot mount a tmpfs (" + output.trim() + "): the full disk is simulated"));
        Logger.getLogger(ChronicleJournal.class.getName()).addHandler(capture);
    }

    @AfterEach
    void unmount() throws Exception
    {
        Logger.getLogger(ChronicleJournal.class.getName()).removeHandler(capture);
        if (mounted)
        {
            final Process umount = new ProcessBuilder("umount", disk.toString()).inheritIO().start();
            assertTrue(umount.waitFor(60, TimeUnit.SECONDS) && umount.exitValue() == 0, "tmpfs unmounted");
        }
    }

    /**
     * With a margin the journal stops while the file system still has that much room. Without one, and told there is
     * always room (as when another process takes the space between the question and the write), it stops when
     * allocating the next stretch of its file fails with ENOSPC on an ordinary write: still before a mapped write.
     */
    @ParameterizedTest
    @ValueSource(strings = {"statvfs", "blind"})
    void shouldStopBeforeTheDiskIsFullAndReopenWithNothingAcknowledgedLost(final String probe) throws Exception
    {
        final long diskFreeBytesMin = probe.equals("blind") ? 0 : MARGIN_BYTES;
        if (!mounted)
        {
            System.out.println("JournalDiskFullTest: simulated run (no tmpfs), diskFreeBytesMin=" + diskFreeBytesMin);
            shouldStopWhenTheFreeSpaceRunsOut(diskFreeBytesMin);
            return;
        }
        System.out.println("JournalDiskFullTest: real run on a tmpfs, probe=" + probe + ", diskFreeBytesMin=" +
            diskFreeBytesMin);
        final Path journal = disk.resolve("journal");
        final Path filler = disk.resolve("filler");
        fill(filler, Files.getFileStore(disk).getUsableSpace() - FREE_LEFT_BYTES);

        final Child first = Child.run(journal, 1, diskFreeBytesMin, probe, temp.resolve("first"));
        System.out.println("JournalDiskFullTest: first run: exit " + first.exitCode + ", " + first.acks.size() +
            " acknowledged, " + first.stopped);

        assertEquals(0, first.exitCode, "the guard stops, its process does not die; " + first.log());
        assertNotNull(first.stopped, "the guard stopped accepting; " + first.log());
        final String reason = probe.equals("blind") ? "cannot allocate disk space: directory=" + journal :
            "disk space low: directory=" + journal;
        assertTrue(first.stopped.contains(STOPPED + reason), "it stopped, saying why, before a write faulted: " +
            first.stopped);
        assertTrue(!probe.equals("blind") || first.stopped.contains("No space left on device"), first.stopped);
        assertTrue(first.acks.size() > 1_000, "it accepted while there was room: " + first.acks.size());
        assertTrue(first.log().contains(STOPPED + reason), "a log line says why the journal stopped; " + first.log());

        Files.delete(filler);
        checkEveryAcknowledgedDecisionIsJournaled(journal, first.acks);
        final Child second = Child.run(journal, 1_000_000_000L, diskFreeBytesMin, probe, temp.resolve("second"));
        assertTrue(second.recoveredSeq >= first.acks.size(), "recovery reaches the last acknowledged decision: " +
            second.recoveredSeq + "; " + second.log());
        assertTrue(second.acks.containsKey(second.recoveredSeq + 1), "with space freed the guard serves again; " +
            second.log());
    }

    @Test
    void shouldStopWhenAProbeSaysTheFreeSpaceRanOut() throws Exception
    {
        shouldStopWhenTheFreeSpaceRunsOut(MARGIN_BYTES);
    }

    @Test
    void shouldStopWhenAskingForTheFreeSpaceFails() throws Exception
    {
        final AtomicLong asked = new AtomicLong();
        final DiskSpaceProbe failing = directory ->
        {
            if (asked.incrementAndGet() > 3)
            {
                throw new IOException("simulated I/O error");
            }
            return Long.MAX_VALUE;
        };

        final Simulated run = Simulated.run(temp.resolve("journal"), failing, 0);

        assertTrue(run.failure.getMessage().startsWith(STOPPED + "I/O error: directory=" + temp.resolve("journal")),
            run.failure.getMessage());
        assertTrue(run.failure.getMessage().contains("simulated I/O error"), run.failure.getMessage());
        assertLogged(STOPPED + "I/O error");
        checkEveryAcknowledgedDecisionIsJournaled(temp.resolve("journal"), run.acks);
    }

    @Test
    void shouldRefuseToOpenOnAFileSystemShortOfSpace()
    {
        final Path journal = temp.resolve("journal");

        final JournalStoppedException refused = assertThrows(JournalStoppedException.class,
            () -> new ChronicleJournal(new ChronicleJournalContext().directory(journal).diskFreeBytesMin(MARGIN_BYTES)
                .diskSpaceProbe(directory -> MARGIN_BYTES)));

        assertEquals("journal not opened: disk space low: directory=" + journal + ", usableBytes=" + MARGIN_BYTES +
            ", diskFreeBytesMin=" + MARGIN_BYTES + "; free space on that file system, or lower " +
            "journal.diskFreeBytesMin", refused.getMessage());
        assertFalse(Files.exists(journal), "nothing was created");
    }

    /**
     * The scenario of the tmpfs run, with a probe that reports the space running out.
     */
    private void shouldStopWhenTheFreeSpaceRunsOut(final long diskFreeBytesMin) throws Exception
    {
        final Path journal = temp.resolve("journal");
        final AtomicLong usable = new AtomicLong(Long.MAX_VALUE);
        final AtomicLong asked = new AtomicLong();
        final DiskSpaceProbe runningOut = directory ->
        {
            // Plenty at first; from the fourth question on, less than the next stretch and the margin together.
            return asked.incrementAndGet() > 3 ? usable.updateAndGet(bytes -> diskFreeBytesMin) : usable.get();
        };

        final Simulated run = Simulated.run(journal, runningOut, diskFreeBytesMin);

        assertTrue(run.failure.getMessage().startsWith(STOPPED + "disk space low: directory=" + journal),
            run.failure.getMessage());
        assertTrue(run.acks.size() > 1_000, "it accepted while there was room: " + run.acks.size());
        assertLogged(STOPPED + "disk space low: directory=" + journal);
        checkEveryAcknowledgedDecisionIsJournaled(journal, run.acks);
        final JournalFixture.Run again = JournalFixture.runPipeline(
            new ChronicleJournal(new ChronicleJournalContext().directory(journal)), run.lastSeq + 1,
            recovered(journal), 2, 1_000_000);
        assertEquals(run.lastSeq + again.reasons.size(), again.lastSeq(), "with space freed the guard serves again");
    }

    private static io.ledgerguard.core.GuardEngine recovered(final Path journal)
    {
        final io.ledgerguard.core.GuardEngine engine = new io.ledgerguard.core.GuardEngine(JournalFixture.config());
        Recovery.recover(journal, null, engine);
        return engine;
    }

    private void assertLogged(final String text)
    {
        synchronized (logged)
        {
            assertTrue(logged.stream().anyMatch(line -> line.startsWith("SEVERE " + text)),
                "logged at ERROR: " + text + "; logged: " + logged);
            assertEquals(1, logged.size(), "once: " + logged);
        }
    }

    /**
     * The journal fixture's commands, over and over, through a pipeline until the guard stops.
     */
    private static final class Simulated
    {
        final Map<Long, long[]> acks = new HashMap<>();
        Throwable failure;
        long lastSeq;

        static Simulated run(final Path journal, final DiskSpaceProbe probe, final long diskFreeBytesMin)
        {
            final Simulated run = new Simulated();
            final Command command = new Command();
            try (LedgerGuard guard = new LedgerGuard(new io.ledgerguard.core.GuardEngine(JournalFixture.config()),
                new PipelineContext().journal(new ChronicleJournal(new ChronicleJournalContext().directory(journal)
                    .diskFreeBytesMin(diskFreeBytesMin).diskSpaceProbe(probe)))))
            {
                for (long txId = 1; txId < 10_000_000; txId++)
                {
                    command.reset();
                    command.type = io.ledgerguard.core.CommandType.ATTEST;
                    command.txId = txId;
                    command.walletId = JournalFixture.HOT;
                    command.assetId = JournalFixture.BTC;
                    final Decision decision = guard.submit(command);
                    if (decision.reason == io.ledgerguard.core.Reason.GUARD_FAILED)
                    {
                        run.failure = guard.failure();
                        break;
                    }
                    run.acks.put(decision.seq, new long[] {decision.txId, decision.reason.code()});
                    run.lastSeq = decision.seq;
                }
            }
            assertNotNull(run.failure, "the guard stopped");
            return run;
        }
    }

    private static void checkEveryAcknowledgedDecisionIsJournaled(final Path journal, final Map<Long, long[]> acks)
    {
        final Command command = new Command();
        final Decision recorded = new Decision();
        long found = 0;
        try (JournalReader reader = JournalReader.open(journal))
        {
            while (reader.next(command, recorded))
            {
                final long[] ack = acks.get(command.seq);
                if (ack != null)
                {
                    assertEquals(ack[0], command.txId, "txId at seq=" + command.seq);
                    assertEquals(ack[1], recorded.reason.code(), "reason at seq=" + command.seq);
                    found++;
                }
            }
        }
        assertEquals(acks.size(), found, "every acknowledged decision is in the journal");
    }

    private static void fill(final Path file, final long bytes) throws IOException
    {
        final ByteBuffer zeros = ByteBuffer.allocate(1 << 20);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE))
        {
            long written = 0;
            while (written < bytes)
            {
                zeros.clear().limit((int)Math.min(zeros.capacity(), bytes - written));
                written += channel.write(zeros);
            }
        }
    }

    /**
     * One run of {@link DiskFullTarget}, to its end.
     */
    private static final class Child
    {
        final Map<Long, long[]> acks = new HashMap<>();
        final Path stderr;
        long recoveredSeq = -1;
        String stopped;
        int exitCode;

        private Child(final Path stderr)
        {
            this.stderr = stderr;
        }

        static Child run(final Path journal, final long firstTxId, final long diskFreeBytesMin, final String probe,
            final Path logs) throws Exception
        {
            Files.createDirectories(logs);
            final List<String> command = new ArrayList<>();
            command.add(ProcessHandle.current().info().command().orElse("java"));
            for (final String argument : ManagementFactory.getRuntimeMXBean().getInputArguments())
            {
                if (!argument.startsWith("-agentlib") && !argument.startsWith("-javaagent"))
                {
                    command.add(argument);
                }
            }
            // A JVM that dies of a signal writes its crash report here, not into the module.
            command.add("-XX:ErrorFile=" + logs.resolve("hs_err_pid%p.log"));
            command.add("-cp");
            command.add(System.getProperty("java.class.path"));
            command.add(DiskFullTarget.class.getName());
            command.add(journal.toString());
            command.add(Long.toString(firstTxId));
            command.add(Long.toString(diskFreeBytesMin));
            command.add(probe);
            final Child child = new Child(logs.resolve("stderr.log"));
            final Path stdout = logs.resolve("stdout.log");
            final Process process = new ProcessBuilder(command).directory(logs.toFile())
                .redirectOutput(stdout.toFile()).redirectError(child.stderr.toFile()).start();
            if (!process.waitFor(CHILD_TIMEOUT_SECONDS, TimeUnit.SECONDS))
            {
                process.destroyForcibly().waitFor();
                throw new AssertionError("child did not end within " + CHILD_TIMEOUT_SECONDS + " s; " + child.log());
            }
            child.exitCode = process.exitValue();
            for (final String line : Files.readAllLines(stdout))
            {
                final String[] parts = line.split(" ", 4);
                if (parts[0].equals("ACK") && parts.length == 4)
                {
                    child.acks.put(Long.parseLong(parts[1]),
                        new long[] {Long.parseLong(parts[2]), Long.parseLong(parts[3])});
                }
                else if (parts[0].equals("RECOVERED"))
                {
                    child.recoveredSeq = Long.parseLong(parts[1]);
                }
                else if (parts[0].equals("STOPPED"))
                {
                    child.stopped = line;
                }
            }
            return child;
        }

        String log()
        {
            try
            {
                final String text = Files.readString(stderr);
                return "child stderr: " + (text.length() > 4000 ? text.substring(text.length() - 4000) : text);
            }
            catch (final IOException ex)
            {
                return "child stderr unreadable: " + ex;
            }
        }
    }
}
