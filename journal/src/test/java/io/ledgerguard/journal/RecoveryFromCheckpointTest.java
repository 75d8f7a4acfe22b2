package io.ledgerguard.journal;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.ledgerguard.core.GuardEngine;
import io.ledgerguard.core.pipeline.SnapshotTrigger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Opening a journal verifies its chain from the newest checkpoint's entry, not from the first entry, so that start-up
 * reads as many entries for a journal four times as long when both end alike after their last snapshot; recovery
 * then replays only what follows that snapshot. An entry damaged after the checkpoint still stops the opening; one
 * damaged before it is left to {@code audit verify}, which reads the whole chain.
 */
class RecoveryFromCheckpointTest
{
    /** Commands after the snapshot: the same for both journals. */
    private static final long AFTER_SNAPSHOT = 300;

    @TempDir
    Path temp;

    @Test
    void shouldReadAsManyEntriesToOpenAJournalFourTimesAsLong()
    {
        final Path shorter = temp.resolve("short");
        final Path longer = temp.resolve("long");
        final JournalFixture.Run shortRun = writeWithOneSnapshot(shorter, 1_500);
        final JournalFixture.Run longRun = writeWithOneSnapshot(longer, 6_000);
        assertTrue(longRun.lastSeq() > 3 * shortRun.lastSeq(), longRun.lastSeq() + " vs " + shortRun.lastSeq());

        final Opened shortOpened = open(shorter);
        final Opened longOpened = open(longer);

        assertEquals(shortRun.lastSeq() - AFTER_SNAPSHOT, shortOpened.verifiedFromSeq);
        assertEquals(longRun.lastSeq() - AFTER_SNAPSHOT, longOpened.verifiedFromSeq);
        assertEquals(shortOpened.excerptsRead, longOpened.excerptsRead,
            "opening reads the same entries however long the journal");
        assertTrue(longOpened.excerptsRead < longRun.lastSeq() / 4, "far fewer than the journal holds: " +
            longOpened.excerptsRead);
        assertEquals(1, QueueFileCheck.excerptsReadToCheck(JournalFixture.cycleFiles(longer).get(0)),
            "checking the queue file reads its header and its last excerpt, found from the write position recorded");
        assertEquals(AFTER_SNAPSHOT, longOpened.recovery.replayed(), "recovery replays what follows the snapshot");
        assertEquals(longRun.engine.stateHash().hex(), longOpened.recovery.stateHashHex());
        assertTrue(String.join("\n", longOpened.recovery.describe()).contains(
            "chain verified from the checkpoint at seq=" + longOpened.verifiedFromSeq), longOpened.recovery.describe()
            .toString());
    }

    @Test
    void shouldStopAtAnEntryDamagedAfterTheCheckpoint()
    {
        final JournalFixture.Run run = writeWithOneSnapshot(temp, 1_500);
        final List<byte[]> excerpts = JournalFixture.rawExcerpts(temp);
        JournalFixture.flipByte(temp, excerpts.get(excerpts.size() - 10), 30);

        final JournalCorruptException refused = assertThrows(JournalCorruptException.class, () -> open(temp));

        assertEquals(excerpts.size() - 10, refused.entryIndex());
        assertTrue(refused.problem().startsWith("chain mismatch"), refused.getMessage());
        assertTrue(run.lastSeq() > 0);
    }

    @Test
    void shouldLeaveAnEntryDamagedBeforeTheCheckpointToTheFullVerification()
    {
        writeWithOneSnapshot(temp, 1_500);
        final List<byte[]> excerpts = JournalFixture.rawExcerpts(temp);
        JournalFixture.flipByte(temp, excerpts.get(100), 30);

        final Opened opened = open(temp);

        assertTrue(opened.verifiedFromSeq > 100, "opened from the checkpoint: " + opened.verifiedFromSeq);
        final JournalCorruptException found = assertThrows(JournalCorruptException.class, () ->
        {
            try (JournalReader reader = JournalReader.open(temp))
            {
                reader.verifyAll();
            }
        });
        assertEquals(100, found.entryIndex(), "reading the whole chain, as audit verify does, finds it");
    }

    @Test
    void shouldVerifyTheWholeChainWhenTheNewestCheckpointDoesNotLeadToItsEntry()
    {
        final JournalFixture.Run run = writeWithOneSnapshot(temp, 1_500);
        final List<byte[]> excerpts = JournalFixture.rawExcerpts(temp);
        final int command = (int)(excerpts.size() - 2 - AFTER_SNAPSHOT);
        // The chain value stored in the command entry the checkpoint names, changed: the checkpoint does not lead to
        // its entry, so it cannot be trusted, and the chain is read whole.
        JournalFixture.flipByte(temp, excerpts.get(command), excerpts.get(command).length - 1);

        final JournalCorruptException refused = assertThrows(JournalCorruptException.class, () -> open(temp));

        assertTrue(refused.problem().startsWith("chain mismatch"), refused.getMessage());
        assertEquals(command, refused.entryIndex(), refused.getMessage() + ", last seq " + run.lastSeq());
    }

    private static final class Opened
    {
        long verifiedFromSeq;
        long excerptsRead;
        Recovery.Result recovery;
    }

    private static Opened open(final Path directory)
    {
        final Opened opened = new Opened();
        try (ChronicleJournal journal = new ChronicleJournal(new ChronicleJournalContext().directory(directory)))
        {
            opened.verifiedFromSeq = journal.verifiedFromSeq();
            opened.excerptsRead = journal.excerptsReadOnOpening();
            opened.recovery = Recovery.recover(journal, SnapshotStore.inJournal(directory),
                new GuardEngine(JournalFixture.config()));
        }
        assertNotNull(opened.recovery.snapshot(), String.join("\n", opened.recovery.describe()));
        return opened;
    }

    /**
     * A journal of the fixture's commands with one snapshot, {@link #AFTER_SNAPSHOT} commands before its end.
     */
    private static JournalFixture.Run writeWithOneSnapshot(final Path directory, final int rounds)
    {
        // The fixture sequences 9 set-up commands, then 3 a round and one more every fifth round.
        final long commands = 9 + 3L * rounds + rounds / 5;
        final GuardEngine engine = new GuardEngine(JournalFixture.config());
        final ChronicleJournal journal = new ChronicleJournal(new ChronicleJournalContext().directory(directory));
        final Snapshotter snapshotter = new Snapshotter(JournalFixture.config(), SnapshotStore.inJournal(directory),
            journal, commands - AFTER_SNAPSHOT, 0, 1, 0);
        final SnapshotTrigger waiting = (copied, seq) ->
        {
            final boolean taken = snapshotter.afterApply(copied, seq);
            if (taken && !snapshotter.awaitWritten(seq, 60, TimeUnit.SECONDS))
            {
                throw new IllegalStateException("snapshot at seq=" + seq + " not written within 60 s");
            }
            return taken;
        };
        final JournalFixture.Run run;
        try
        {
            run = JournalFixture.runPipeline(journal, 1, engine, rounds, 1, waiting);
        }
        finally
        {
            snapshotter.close();
        }
        assertEquals(commands, run.lastSeq(), "the fixture's command count");
        assertEquals(1, snapshotter.written(), snapshotter.lastFailure());
        return run;
    }
}
