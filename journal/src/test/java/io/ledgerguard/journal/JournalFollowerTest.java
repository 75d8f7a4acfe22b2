package io.ledgerguard.journal;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.ledgerguard.core.GuardConfig;
import io.ledgerguard.core.GuardEngine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Snapshots without a pause (issue 13): an engine follows the journal on its own thread, checks every decision the
 * guard recorded, and takes the snapshots, each vouched for by a checkpoint placed at the entry it read; recovery
 * then starts from them as from the guard's own.
 */
class JournalFollowerTest
{
    private static final int EVERY = 40;

    @TempDir
    Path directory;

    @Test
    void shouldTakeSnapshotsTheJournalVouchesForWithoutTheGuardThread()
    {
        final GuardEngine engine = new GuardEngine(JournalFixture.config());
        final ChronicleJournal journal = new ChronicleJournal(new ChronicleJournalContext().directory(directory));
        final SnapshotStore store = SnapshotStore.inJournal(directory);
        final JournalFollower follower = new JournalFollower(JournalFixture.config(), store, journal, EVERY, 0, 3,
            engine, 0);
        final JournalFixture.Run run = JournalFixture.runPipeline(journal, 1, engine, 60, 1, null, guard ->
        {
            assertTrue(follower.awaitFollowed(guard.sequenced(), 30, TimeUnit.SECONDS), follower.lastFailure());
            follower.close();
        });
        assertNull(follower.lastFailure());
        assertEquals(run.lastSeq(), follower.followedSeq());
        assertTrue(follower.written() >= run.lastSeq() / EVERY - 1, "snapshots written: " + follower.written());

        final GuardEngine recovered = new GuardEngine(JournalFixture.config());
        final Recovery.Result result = Recovery.recover(directory, store, recovered);
        assertNotNull(result.snapshot(), String.join("\n", result.describe()));
        assertTrue(result.skipped().isEmpty(), result.skipped().toString());
        assertEquals(follower.lastWrittenSeq(), result.snapshot().seq());
        assertEquals(run.engine.stateHash().hex(), result.stateHashHex());
    }

    @Test
    void shouldPlaceTheCheckpointOfASnapshotTakenWhileIdleAtItsCommandsEntry()
    {
        // Checkpoint entries follow the commands of a batch: a snapshot taken when the follower has read to the end
        // must still name the entry of the command its state is as of, not the last entry read.
        final GuardEngine engine = new GuardEngine(JournalFixture.config());
        final ChronicleJournal journal = new ChronicleJournal(new ChronicleJournalContext().directory(directory));
        final SnapshotStore store = SnapshotStore.inJournal(directory);
        final JournalFollower follower = new JournalFollower(JournalFixture.config(), store, journal, EVERY, 0, 3,
            engine, 0);
        final long[] requestedAt = new long[1];
        JournalFixture.runPipeline(journal, 1, engine, 60, 1, null, guard ->
        {
            assertTrue(follower.awaitFollowed(guard.sequenced(), 30, TimeUnit.SECONDS), follower.lastFailure());
            // One more command: the journal writes the checkpoint still pending after it, at the end of its batch.
            final io.ledgerguard.core.Command open = new io.ledgerguard.core.Command();
            open.type = io.ledgerguard.core.CommandType.OPEN_ACCOUNT;
            open.txId = 1L << 40;
            open.accountId = 1L << 20;
            open.accountKind = io.ledgerguard.core.AccountKind.CUSTOMER;
            assertTrue(guard.submit(open).accepted());
            assertTrue(follower.awaitFollowed(guard.sequenced(), 30, TimeUnit.SECONDS), follower.lastFailure());
            // Let the follower read that checkpoint entry too, then ask for one more snapshot, idle.
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
            requestedAt[0] = guard.sequenced();
            follower.request();
            assertTrue(follower.awaitWritten(requestedAt[0], 30, TimeUnit.SECONDS), follower.lastFailure());
            follower.close();
        });
        assertEquals(requestedAt[0], follower.lastWrittenSeq());

        final Recovery.Result result = Recovery.recover(directory, store, new GuardEngine(JournalFixture.config()));
        assertTrue(result.skipped().isEmpty(), result.skipped().toString());
        assertEquals(requestedAt[0], result.snapshot().seq());
        assertEquals(engine.stateHash().hex(), result.stateHashHex());
    }

    @Test
    void shouldStartFromTheRecoveredStateAndFollowOnAfterARestart()
    {
        final GuardEngine first = new GuardEngine(JournalFixture.config());
        final JournalFixture.Run before = JournalFixture.runPipeline(
            new ChronicleJournal(new ChronicleJournalContext().directory(directory)), 1, first, 30, 1);
        final SnapshotStore store = SnapshotStore.inJournal(directory);

        final GuardEngine engine = new GuardEngine(JournalFixture.config());
        final ChronicleJournal journal = new ChronicleJournal(new ChronicleJournalContext().directory(directory));
        final long lastSeq = Recovery.recover(journal, store, engine).lastSeq();
        assertEquals(before.lastSeq(), lastSeq);
        final JournalFollower follower = new JournalFollower(JournalFixture.config(), store, journal, EVERY, 0, 3,
            engine, lastSeq);
        final JournalFixture.Run after = JournalFixture.runPipeline(journal, lastSeq + 1, engine, 60, 10_000, null,
            guard ->
            {
                assertTrue(follower.awaitFollowed(lastSeq + guard.sequenced(), 30, TimeUnit.SECONDS),
                    follower.lastFailure());
                follower.close();
            });
        assertNull(follower.lastFailure());
        assertTrue(follower.written() > 0);

        final Recovery.Result result = Recovery.recover(directory, store, new GuardEngine(JournalFixture.config()));
        assertNotNull(result.snapshot(), String.join("\n", result.describe()));
        assertEquals(after.engine.stateHash().hex(), result.stateHashHex());
    }

    @Test
    void shouldStopAndSayWhereWhenItDecidesOtherwiseThanTheGuard()
    {
        final GuardEngine engine = new GuardEngine(JournalFixture.config());
        final ChronicleJournal journal = new ChronicleJournal(new ChronicleJournalContext().directory(directory));
        // A follower of another configuration: its first deposit beyond the cap is refused where the guard's is not.
        final GuardConfig other = JournalFixture.config();
        other.assets().get(0).creditCapMinorUnits = 1;
        final JournalFollower follower = new JournalFollower(other, SnapshotStore.inJournal(directory), journal,
            EVERY, 0, 3, new GuardEngine(other), 0);
        JournalFixture.runPipeline(journal, 1, engine, 30, 1, null, guard ->
        {
            follower.awaitFollowed(guard.sequenced(), 2, TimeUnit.SECONDS);
            follower.close();
        });
        assertNotNull(follower.lastFailure());
        assertTrue(follower.lastFailure().contains("decided otherwise than the guard at seq="), follower.lastFailure());
        assertEquals(0, follower.written(), "no snapshot from a state the guard does not have");
    }
}
