package io.ledgerguard.journal;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.ledgerguard.core.AccountKind;
import io.ledgerguard.core.Command;
import io.ledgerguard.core.CommandType;
import io.ledgerguard.core.Decision;
import io.ledgerguard.core.GuardConfig;
import io.ledgerguard.core.GuardEngine;
import io.ledgerguard.core.Reason;
import io.ledgerguard.core.StateDoesNotFitException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 13, seen 1: with {@code txIdsMax: 1000} and some 3,000 commands every command from the 1,001st on was
 * {@code CAPACITY_EXHAUSTED}, and raising the limit and restarting was refused ("seq=1001 recorded CAPACITY_EXHAUSTED,
 * replay decided ACCEPTED"). A recorded refusal changed nothing, so recovery with larger limits keeps it; a snapshot
 * restores into the larger tables; limits below the live state are refused, naming the limit.
 */
class ResizeRecoveryTest
{
    private static final int ROUNDS = 800;

    @TempDir
    Path directory;

    private static GuardConfig full()
    {
        final GuardConfig config = JournalFixture.config();
        config.limits().txIdsMax = 1_000;
        return config;
    }

    private static GuardConfig raised()
    {
        final GuardConfig config = JournalFixture.config();
        config.limits().txIdsMax = 100_000;
        config.limits().inflowsMax = 4_096;
        config.limits().creditsMax = 4_096;
        return config;
    }

    @Test
    void shouldRecoverAJournalWhoseTablesFilledUpWithRaisedLimits()
    {
        final JournalFixture.Run run = run(null);
        final long exhausted = run.reasons.stream().filter(r -> r == Reason.CAPACITY_EXHAUSTED).count();
        assertTrue(exhausted > 1_000, "refused for want of room: " + exhausted + " of " + run.reasons.size());

        final GuardEngine recovered = new GuardEngine(raised());
        final Recovery.Result result = Recovery.recover(directory, null, recovered);

        assertEquals(run.lastSeq(), result.replayed());
        assertNull(result.invariantViolation());
        assertEquals(run.engine.stateHash().ledgerHex(), recovered.stateHash().ledgerHex());
        assertEquals(Reason.OK, openAccount(recovered, run.lastSeq() + 1).reason, "the raised tables take more");
        assertEquals(Reason.CAPACITY_EXHAUSTED, openAccount(run.engine, run.lastSeq() + 1).reason);
    }

    @Test
    void shouldRestoreTheNewestSnapshotIntoRaisedLimits()
    {
        final JournalFixture.Run run = run(SnapshotStore.inJournal(directory));
        final String hash = run.engine.stateHash().hex();

        final GuardEngine recovered = new GuardEngine(raised());
        final Recovery.Result result = Recovery.recover(directory, SnapshotStore.inJournal(directory), recovered);

        assertNotNull(result.snapshot(), String.join("\n", result.describe()));
        assertTrue(result.skipped().isEmpty(), result.skipped().toString());
        assertEquals(hash, result.stateHashHex(), "the whole state, decisions digest included");
        assertNull(result.invariantViolation());
    }

    @Test
    void shouldRefuseLimitsBelowTheLiveStateNamingTheLimit()
    {
        run(SnapshotStore.inJournal(directory));
        final GuardConfig lowered = full();
        lowered.limits().accountsMax = JournalFixture.ACCOUNTS - 2;

        final StateDoesNotFitException refused = assertThrows(StateDoesNotFitException.class,
            () -> Recovery.recover(directory, SnapshotStore.inJournal(directory), new GuardEngine(lowered)));
        assertTrue(refused.getMessage().contains("limits.accountsMax"), refused.getMessage());

        final IllegalStateException replayRefused = assertThrows(IllegalStateException.class,
            () -> Recovery.recover(directory, null, new GuardEngine(lowered)));
        assertTrue(replayRefused.getMessage().contains("limits.accountsMax is lower than"),
            replayRefused.getMessage());
    }

    private JournalFixture.Run run(final SnapshotStore snapshots)
    {
        final GuardEngine engine = new GuardEngine(full());
        final ChronicleJournal journal = new ChronicleJournal(new ChronicleJournalContext().directory(directory));
        if (snapshots == null)
        {
            return JournalFixture.runPipeline(journal, 1, engine, ROUNDS, 1);
        }
        try (Snapshotter snapshotter = new Snapshotter(full(), snapshots, journal, 500, 0, 2, 0))
        {
            final JournalFixture.Run run = JournalFixture.runPipeline(journal, 1, engine, ROUNDS, 1, (e, seq) ->
            {
                final boolean taken = snapshotter.afterApply(e, seq);
                if (taken && !snapshotter.awaitWritten(seq, 30, TimeUnit.SECONDS))
                {
                    throw new IllegalStateException("snapshot at seq=" + seq + " not written within 30s");
                }
                return taken;
            });
            assertEquals(0, snapshotter.failures(), snapshotter.lastFailure());
            assertTrue(snapshotter.written() > 2, "snapshots written: " + snapshotter.written());
            return run;
        }
    }

    private static Decision openAccount(final GuardEngine engine, final long seq)
    {
        final Command open = new Command();
        open.type = CommandType.OPEN_ACCOUNT;
        open.txId = 1L << 40;
        open.accountId = 1L << 30;
        open.accountKind = AccountKind.CUSTOMER;
        open.seq = seq;
        open.timestampNs = engine.nowNs() + 1;
        final Decision decision = new Decision();
        engine.apply(open, decision);
        return decision;
    }
}
