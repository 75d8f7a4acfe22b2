package io.ledgerguard.journal;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.ledgerguard.core.Command;
import io.ledgerguard.core.Decision;
import io.ledgerguard.core.GuardEngine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Kills a real guard process with SIGKILL at random moments while several producers load it, and checks after every
 * restart that nothing acknowledged was lost (SPEC §8): every decision a producer saw before the kill is in the
 * journal at its sequence with the same outcome; the state the restarted guard recovers equals a from-scratch replay
 * of the journal; the invariants hold; and the restarted guard serves again (it acknowledges new commands before it is
 * killed in turn). 20 kills by default; {@code -Pslow} runs 200; {@code -Dguard.crash.kills=N} any number.
 */
class CrashRecoveryTest
{
    private static final int PRODUCERS = 3;
    private static final long CHILD_TIMEOUT_SECONDS = 120;

    @TempDir
    Path temp;

    @Test
    void shouldLoseNothingAcknowledgedAcrossRepeatedKills() throws Exception
    {
        final int kills = Integer.getInteger("guard.crash.kills", Boolean.getBoolean("guard.slow") ? 200 : 20);
        final long seed = Long.getLong("guard.seed", System.nanoTime());
        System.out.println("CrashRecoveryTest: kills=" + kills + ", seed=" + seed + " (replay with -Dguard.seed=" +
            seed + ")");
        final SplittableRandom random = new SplittableRandom(seed);
        final Path journal = temp.resolve("journal");
        long acknowledged = 0;
        int fromSnapshot = 0;
        int snapshotsPassedOver = 0;
        String expectedHash = null;
        long expectedLastSeq = 0;
        for (int run = 1; run <= kills; run++)
        {
            final long killAfterMs = 20 + random.nextInt(600);
            final Child child = Child.start(journal, run, seed + run, false, temp.resolve("run-" + run + ".log"));
            final String[] recovered = child.awaitRecovered();
            checkRecovered(recovered, expectedHash, expectedLastSeq, run, child);
            if (Long.parseLong(recovered[3]) > 0)
            {
                fromSnapshot++;
            }
            snapshotsPassedOver += Integer.parseInt(recovered[6]);
            child.awaitFirstAck();
            if (run % 4 == 1)
            {
                // Whatever this machine's speed, every fourth run lives until a snapshot is written, so that the
                // next restart has one to recover from; the others die wherever the timer finds them.
                child.awaitSnapshotWritten();
            }
            Thread.sleep(killAfterMs);
            child.kill();
            final Map<Long, long[]> acks = child.acks();
            assertTrue(acks.size() > 0, "run " + run + " acknowledged nothing: it did not serve again");
            acknowledged += acks.size();

            final JournalReplay.Result replay = checkJournal(journal, acks, run);
            expectedHash = replay.stateHash().hex();
            expectedLastSeq = replay.journalLastSeq();
        }
        final Child last = Child.start(journal, kills + 1, seed, true, temp.resolve("final.log"));
        checkRecovered(last.awaitRecovered(), expectedHash, expectedLastSeq, kills + 1, last);
        assertEquals(0, last.awaitExit(), "recover-only run exits cleanly");
        assertTrue(fromSnapshot > 0, "some restarts recovered from a snapshot: " + fromSnapshot + " of " + kills);
        System.out.println("CrashRecoveryTest: " + kills + " kills, " + acknowledged + " acknowledged decisions " +
            "checked, journal ends at seq=" + expectedLastSeq + ", " + fromSnapshot + " of " + kills +
            " restarts recovered from a snapshot (" + snapshotsPassedOver + " snapshots passed over), stateHash=" +
            expectedHash);
    }

    private static void checkRecovered(
        final String[] recovered, final String expectedHash, final long expectedLastSeq, final int run,
        final Child child)
    {
        // RECOVERED lastSeq stateHash snapshotSeq replayed invariants skipped
        assertEquals("ok", recovered[5], "run " + run + ": invariants after recovery; " + child.log());
        if (expectedHash != null)
        {
            assertEquals(expectedLastSeq, Long.parseLong(recovered[1]), "run " + run + ": recovered last seq");
            assertEquals(expectedHash, recovered[2],
                "run " + run + ": recovered state hash equals a from-scratch replay of the journal");
        }
    }

    /**
     * @return the from-scratch replay, after checking every acknowledged decision against the journal.
     */
    private static JournalReplay.Result checkJournal(final Path journal, final Map<Long, long[]> acks, final int run)
    {
        final Command command = new Command();
        final Decision recorded = new Decision();
        long found = 0;
        try (JournalReader reader = JournalReader.open(journal))
        {
            while (reader.next(command, recorded))
            {
                final long[] ack = acks.get(command.seq);
                if (ack == null)
                {
                    continue;
                }
                assertEquals(ack[0], command.txId, "run " + run + ": txId at seq=" + command.seq);
                assertEquals(ack[1], recorded.reason.code(), "run " + run + ": outcome of seq=" + command.seq);
                found++;
            }
        }
        assertEquals(acks.size(), found, "run " + run + ": every acknowledged decision is in the journal");
        final JournalReplay.Result replay = JournalReplay.replay(journal, new GuardEngine(CrashTarget.config()));
        assertEquals(0, replay.mismatches(), "run " + run + ": " + replay.firstMismatch());
        assertNull(replay.invariantViolation(), "run " + run + ": invariants of the replayed state");
        return replay;
    }

    /**
     * A {@link CrashTarget} process and what it printed.
     */
    private static final class Child
    {
        private final Process process;
        private final Path log;
        private final Map<Long, long[]> acks = new HashMap<>();
        private final CountDownLatch recoveredLatch = new CountDownLatch(1);
        private final CountDownLatch firstAck = new CountDownLatch(1);
        private final CountDownLatch snapshotWritten = new CountDownLatch(1);
        private final AtomicReference<String[]> recovered = new AtomicReference<>();
        private final Thread reader;

        private Child(final Process process, final Path log)
        {
            this.process = process;
            this.log = log;
            reader = new Thread(this::read, "child-stdout");
            reader.setDaemon(true);
            reader.start();
        }

        static Child start(final Path journal, final int run, final long seed, final boolean recoverOnly,
            final Path log) throws IOException
        {
            final List<String> command = new ArrayList<>();
            command.add(ProcessHandle.current().info().command().orElse("java"));
            for (final String argument : ManagementFactory.getRuntimeMXBean().getInputArguments())
            {
                if (!argument.startsWith("-agentlib") && !argument.startsWith("-javaagent"))
                {
                    command.add(argument);
                }
            }
            command.add("-cp");
            command.add(System.getProperty("java.class.path"));
            command.add(CrashTarget.class.getName());
            command.add(journal.toString());
            command.add(Integer.toString(run));
            command.add(Integer.toString(PRODUCERS));
            command.add(Long.toString(seed));
            if (recoverOnly)
            {
                command.add("recover-only");
            }
            final Process process = new ProcessBuilder(command)
                .redirectError(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.PIPE)
                .start();
            return new Child(process, log);
        }

        private void read()
        {
            try (BufferedReader lines = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.US_ASCII)))
            {
                String line;
                while ((line = lines.readLine()) != null)
                {
                    if (line.startsWith("ACK "))
                    {
                        final String[] parts = line.split(" ");
                        if (parts.length != 4)
                        {
                            // The kill can cut the last line short: it was not acknowledged whole; ignore it.
                            continue;
                        }
                        synchronized (acks)
                        {
                            acks.put(Long.parseLong(parts[1]),
                                new long[] {Long.parseLong(parts[2]), Long.parseLong(parts[3])});
                        }
                        firstAck.countDown();
                    }
                    else if (line.startsWith("SNAPSHOT "))
                    {
                        snapshotWritten.countDown();
                    }
                    else if (line.startsWith("RECOVERED "))
                    {
                        recovered.set(line.split(" "));
                        recoveredLatch.countDown();
                    }
                }
            }
            catch (final IOException | NumberFormatException ex)
            {
                // The pipe closes when the process dies; a line cut by the kill may not parse.
            }
        }

        String[] awaitRecovered() throws InterruptedException
        {
            if (!recoveredLatch.await(CHILD_TIMEOUT_SECONDS, TimeUnit.SECONDS))
            {
                process.destroyForcibly();
                fail("child did not recover within " + CHILD_TIMEOUT_SECONDS + "s; " + log());
            }
            return recovered.get();
        }

        void awaitSnapshotWritten() throws InterruptedException
        {
            if (!snapshotWritten.await(CHILD_TIMEOUT_SECONDS, TimeUnit.SECONDS))
            {
                process.destroyForcibly();
                fail("child wrote no snapshot within " + CHILD_TIMEOUT_SECONDS + "s; " + log());
            }
        }

        void awaitFirstAck() throws InterruptedException
        {
            if (!firstAck.await(CHILD_TIMEOUT_SECONDS, TimeUnit.SECONDS))
            {
                process.destroyForcibly();
                fail("child acknowledged nothing within " + CHILD_TIMEOUT_SECONDS + "s; " + log());
            }
        }

        void kill() throws InterruptedException
        {
            // Process.destroyForcibly is SIGKILL on Linux: no shutdown hook, no flush, no close.
            process.destroyForcibly();
            assertTrue(process.waitFor(CHILD_TIMEOUT_SECONDS, TimeUnit.SECONDS), "child killed");
            reader.join(TimeUnit.SECONDS.toMillis(CHILD_TIMEOUT_SECONDS));
        }

        int awaitExit() throws InterruptedException
        {
            assertTrue(process.waitFor(CHILD_TIMEOUT_SECONDS, TimeUnit.SECONDS), "child exits; " + log());
            reader.join(TimeUnit.SECONDS.toMillis(CHILD_TIMEOUT_SECONDS));
            return process.exitValue();
        }

        Map<Long, long[]> acks()
        {
            synchronized (acks)
            {
                return new HashMap<>(acks);
            }
        }

        String log()
        {
            try
            {
                final String text = Files.readString(log);
                return "child stderr: " + (text.length() > 4000 ? text.substring(text.length() - 4000) : text);
            }
            catch (final IOException ex)
            {
                return "child stderr unreadable: " + ex;
            }
        }
    }

    static
    {
        assertNotNull(CrashTarget.class);
    }
}
