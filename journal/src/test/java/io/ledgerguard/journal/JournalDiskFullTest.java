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

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.ledgerguard.core.Command;
import io.ledgerguard.core.Decision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A journal on a file system that fills up stops the guard before a write to a memory-mapped page the file system
 * cannot back (a SIGBUS), says why on its log, and leaves a journal that reopens, once space is freed, with every
 * acknowledged decision in it and its chain whole. Runs on a 16 MiB tmpfs mounted for the test.
 */
class JournalDiskFullTest
{
    private static final long CHILD_TIMEOUT_SECONDS = 300;
    private static final long FREE_LEFT_BYTES = 2L << 20;

    @TempDir
    Path temp;

    private Path disk;
    private boolean mounted;

    @BeforeEach
    void mountSmallFileSystem() throws Exception
    {
        disk = Files.createDirectories(temp.resolve("disk"));
        final Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", disk.toString())
            .redirectErrorStream(true).start();
        final String output = new String(mount.getInputStream().readAllBytes());
        mounted = mount.waitFor(60, TimeUnit.SECONDS) && mount.exitValue() == 0;
        System.out.println("JournalDiskFullTest: " + (mounted ? "a 16 MiB tmpfs mounted at " + disk :
            "cannot mount a tmpfs (" + output.trim() + ")"));
    }

    @AfterEach
    void unmount() throws Exception
    {
        if (mounted)
        {
            final Process umount = new ProcessBuilder("umount", disk.toString()).inheritIO().start();
            assertTrue(umount.waitFor(60, TimeUnit.SECONDS) && umount.exitValue() == 0, "tmpfs unmounted");
        }
    }

    @Test
    void shouldStopBeforeTheDiskIsFullAndReopenWithNothingAcknowledgedLost() throws Exception
    {
        assumeTrue(mounted, "needs a tmpfs");
        final Path journal = disk.resolve("journal");
        final Path filler = disk.resolve("filler");
        fill(filler, Files.getFileStore(disk).getUsableSpace() - FREE_LEFT_BYTES);

        final Child first = Child.run(journal, 1, temp.resolve("first"));
        System.out.println("JournalDiskFullTest: first run: exit " + first.exitCode + ", " + first.acks.size() +
            " acknowledged, " + first.stopped + "; " + first.log());

        assertEquals(0, first.exitCode, "the guard stops, its process does not die; " + first.log());
        assertNotNull(first.stopped, "the guard stopped accepting; " + first.log());
        assertTrue(first.stopped.contains("disk space low") && first.stopped.contains("directory=" + journal),
            "it stopped because free space ran low, before a write faulted: " + first.stopped);
        assertTrue(first.acks.size() > 1_000, "it accepted while there was room: " + first.acks.size());
        assertTrue(first.log().contains("journal stopped accepting: disk space low: directory=" + journal),
            "a log line says why the journal stopped; " + first.log());

        Files.delete(filler);
        checkEveryAcknowledgedDecisionIsJournaled(journal, first.acks);
        final Child second = Child.run(journal, 1_000_000_000L, temp.resolve("second"));
        assertTrue(second.recoveredSeq >= first.acks.size(), "recovery reaches the last acknowledged decision: " +
            second.recoveredSeq + "; " + second.log());
        assertTrue(second.acks.containsKey(second.recoveredSeq + 1), "with space freed the guard serves again; " +
            second.log());
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

        static Child run(final Path journal, final long firstTxId, final Path logs) throws Exception
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
