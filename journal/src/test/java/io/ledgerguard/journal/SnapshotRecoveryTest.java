package io.ledgerguard.journal;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.ledgerguard.core.GuardEngine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SnapshotRecoveryTest
{
    private static final int EVERY = 40;

    @TempDir
    Path directory;

    @Test
    void shouldRecoverFromTheNewestSnapshotAndTheJournalAfterIt()
    {
        final JournalFixture.Run run = runWithSnapshots(3);
        final SnapshotStore store = SnapshotStore.inJournal(directory);
        final List<Path> files = store.list();
        // Three the journal vouched for when the last was pruned, and the last if its checkpoint was not written yet
        // then (the journal writes it at the end of its next batch, which may come before or after the prune).
        assertTrue(files.size() == 3 || files.size() == 4, "three kept, and perhaps the newest: " + files);

        final GuardEngine recovered = new GuardEngine(JournalFixture.config());
        final Recovery.Result result = Recovery.recover(directory, store, recovered);

        assertNotNull(result.snapshot(), String.join("\n", result.describe()));
        assertEquals(SnapshotStore.seqOf(files.get(0)), result.snapshot().seq());
        assertEquals(run.lastSeq() - result.snapshot().seq(), result.replayed());
        assertEquals(run.lastSeq(), result.lastSeq());
        assertEquals(run.engine.stateHash().hex(), result.stateHashHex());
        assertEquals(fullReplayHash(), result.stateHashHex());
        assertNull(result.invariantViolation());
        assertTrue(result.skipped().isEmpty(), result.skipped().toString());

        // As start-up does it: the journal opened for appending verified the chain; only what follows the snapshot
        // is read again, from the checkpoint's queue index on.
        final GuardEngine started = new GuardEngine(JournalFixture.config());
        try (ChronicleJournal journal = new ChronicleJournal(new ChronicleJournalContext().directory(directory)))
        {
            final Recovery.Result startUp = Recovery.recover(journal, store, started);
            assertEquals(result.snapshot().seq(), startUp.snapshot().seq());
            assertEquals(result.replayed(), startUp.replayed());
            assertEquals(result.stateHashHex(), startUp.stateHashHex());
        }
    }

    @Test
    void shouldRefuseToStartAfterACheckpointWhoseEntryIsNotTheOneItNames()
    {
        runWithSnapshots(2);
        final List<JournalReader.Checkpoint> checkpoints;
        try (JournalReader reader = JournalReader.open(directory))
        {
            reader.verifyAll();
            checkpoints = reader.checkpoints();
        }
        final JournalReader.Checkpoint good = checkpoints.get(checkpoints.size() - 1);
        final JournalReader.Checkpoint wrong = checkpoints.get(checkpoints.size() - 2);
        // The queue index of one checkpoint with the sequence and chain value of another.
        final JournalReader.Checkpoint forged = new JournalReader.Checkpoint(good.seq(), good.stateHashHex(),
            good.chainHeadHex(), good.entryIndex(), wrong.queueIndex(), good.seqEntryIndex(), good.snapshotDigestHex());
        try (JournalReader reader = JournalReader.open(directory))
        {
            final JournalCorruptException refused =
                assertThrows(JournalCorruptException.class, () -> reader.startAfter(forged));
            assertTrue(refused.getMessage().contains("is not seq=" + good.seq()), refused.getMessage());
        }
    }

    @Test
    void shouldRecordACheckpointForEverySnapshotWithTheChainValueOfItsSequence()
    {
        runWithSnapshots(100);
        final List<Path> files = SnapshotStore.inJournal(directory).list();
        final List<JournalReader.Checkpoint> checkpoints;
        try (JournalReader reader = JournalReader.open(directory))
        {
            reader.verifyAll();
            checkpoints = reader.checkpoints();
        }
        assertEquals(files.size(), checkpoints.size(), "one checkpoint per snapshot written");
        final GuardEngine engine = new GuardEngine(JournalFixture.config());
        try (JournalReader reader = JournalReader.open(directory))
        {
            final io.ledgerguard.core.Command command = new io.ledgerguard.core.Command();
            final io.ledgerguard.core.Decision decision = new io.ledgerguard.core.Decision();
            int checked = 0;
            while (reader.next(command))
            {
                engine.apply(command, decision);
                for (final JournalReader.Checkpoint checkpoint : checkpoints)
                {
                    if (checkpoint.seq() == command.seq)
                    {
                        assertEquals(reader.chainHeadHex(), checkpoint.chainHeadHex(), checkpoint.toString());
                        assertEquals(engine.stateHash().hex(), checkpoint.stateHashHex(), checkpoint.toString());
                        checked++;
                    }
                }
            }
            assertEquals(checkpoints.size(), checked);
        }
    }

    @Test
    void shouldPassOverACorruptSnapshotForAnOlderOne() throws Exception
    {
        runWithSnapshots(3);
        final SnapshotStore store = SnapshotStore.inJournal(directory);
        final List<Path> files = store.list();
        flipByte(files.get(0), Files.size(files.get(0)) / 2);

        final Recovery.Result result = Recovery.recover(directory, store, new GuardEngine(JournalFixture.config()));

        assertEquals(SnapshotStore.seqOf(files.get(1)), result.snapshot().seq());
        assertEquals(1, result.skipped().size());
        assertTrue(result.skipped().get(0).contains(files.get(0).getFileName().toString()), result.skipped().get(0));
        assertTrue(result.skipped().get(0).contains("checksum mismatch"), result.skipped().get(0));
        assertEquals(fullReplayHash(), result.stateHashHex());
    }

    @Test
    void shouldPassOverASnapshotForgedWithAValidChecksumAndStateHash() throws Exception
    {
        runWithSnapshots(3);
        final SnapshotStore store = SnapshotStore.inJournal(directory);
        final List<Path> files = store.list();
        // The guard's clock lives in the globals part (word 1), and the state hash leaves it out: change it and
        // compute the CRC-32C again, as a forger with file access would.
        final byte[] bytes = Files.readAllBytes(files.get(0));
        final int name = new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1).indexOf("globals");
        // After the name: the entry length (an int) and the entry count (a long), then the one globals entry.
        final int clockByte = name + "globals".length() + 4 + 8 + 8;
        bytes[clockByte] ^= 0x40;
        final java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(bytes, 0, bytes.length - 8);
        java.nio.ByteBuffer.wrap(bytes, bytes.length - 8, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN)
            .putLong(crc.getValue());
        Files.write(files.get(0), bytes);
        SnapshotStore.load(files.get(0), new GuardEngine(JournalFixture.config()));

        final Recovery.Result result = Recovery.recover(directory, store, new GuardEngine(JournalFixture.config()));

        assertEquals(SnapshotStore.seqOf(files.get(1)), result.snapshot().seq());
        assertTrue(result.skipped().get(0).contains("SHA-256"), result.skipped().toString());
        assertEquals(fullReplayHash(), result.stateHashHex());
    }

    @Test
    void shouldPassOverTruncatedSnapshotsAndReplayEverythingWhenNoneIsLeft() throws Exception
    {
        runWithSnapshots(2);
        final SnapshotStore store = SnapshotStore.inJournal(directory);
        for (final Path file : store.list())
        {
            try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw"))
            {
                raf.setLength(raf.length() - 100);
            }
        }

        final Recovery.Result result = Recovery.recover(directory, store, new GuardEngine(JournalFixture.config()));

        assertNull(result.snapshot());
        assertEquals(store.list().size(), result.skipped().size(), "every snapshot kept was passed over");
        assertTrue(result.skipped().get(0).contains("truncated"), result.skipped().get(0));
        assertEquals(result.lastSeq(), result.replayed());
        assertEquals(fullReplayHash(), result.stateHashHex());
        final String done = result.describe().get(result.skipped().size());
        assertTrue(done.contains("full replay"), result.describe().toString());
    }

    @Test
    void shouldPassOverASnapshotTheJournalHasNoCheckpointFor() throws Exception
    {
        runWithSnapshots(1);
        final SnapshotStore store = SnapshotStore.inJournal(directory);
        final Path newest = store.list().get(0);
        // Taken after a sequence the journal never recorded a checkpoint for: a snapshot from elsewhere.
        final Path stray = newest.resolveSibling(SnapshotStore.fileName(SnapshotStore.seqOf(newest) + 1));
        Files.copy(newest, stray);

        final Recovery.Result result = Recovery.recover(directory, store, new GuardEngine(JournalFixture.config()));

        assertEquals(SnapshotStore.seqOf(newest), result.snapshot().seq());
        assertTrue(result.skipped().get(0).contains("no checkpoint"), result.skipped().toString());
    }

    @Test
    void shouldRefuseToRecoverWithAnotherConfiguration()
    {
        runWithSnapshots(1);
        final io.ledgerguard.core.GuardConfig other = JournalFixture.config();
        other.assets().get(0).creditCapMinorUnits = 1;
        final IllegalStateException refused = assertThrows(IllegalStateException.class,
            () -> Recovery.recover(directory, null, new GuardEngine(other)));
        assertTrue(refused.getMessage().contains("differ from the journal's"), refused.getMessage());
    }

    @Test
    void shouldRestoreASnapshotIntoLargerLimitsAndRefuseLimitsBelowTheLiveState()
    {
        final JournalFixture.Run run = runWithSnapshots(1);
        final Path newest = SnapshotStore.inJournal(directory).list().get(0);
        final io.ledgerguard.core.GuardConfig larger = JournalFixture.config();
        larger.limits().positionsMax = 10_000;
        larger.limits().txIdsMax = 100_000;
        final SnapshotStore.Loaded loaded = SnapshotStore.load(newest, new GuardEngine(larger));
        assertEquals(SnapshotStore.seqOf(newest), loaded.seq(), "restored into larger tables, state hash checked");

        final io.ledgerguard.core.GuardConfig smaller = JournalFixture.config();
        smaller.limits().accountsMax = JournalFixture.ACCOUNTS - 1;
        final io.ledgerguard.core.StateDoesNotFitException refused = assertThrows(
            io.ledgerguard.core.StateDoesNotFitException.class,
            () -> SnapshotStore.load(newest, new GuardEngine(smaller)));
        assertTrue(refused.getMessage().contains("limits.accountsMax is " + (JournalFixture.ACCOUNTS - 1)),
            refused.getMessage());
        assertEquals(JournalFixture.ACCOUNTS, run.engine.tableSize(io.ledgerguard.core.TableKind.ACCOUNTS));
    }

    @Test
    void shouldTakeACorruptCountForCorruptionNotForLimitsTooLow() throws Exception
    {
        runWithSnapshots(3);
        final SnapshotStore store = SnapshotStore.inJournal(directory);
        final List<Path> files = store.list();
        final byte[] bytes = Files.readAllBytes(files.get(0));
        final int name = new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1).indexOf("accounts");
        // The entry count after the name and the entry length: more accounts than limits.accountsMax allows.
        java.nio.ByteBuffer.wrap(bytes, name + "accounts".length() + 4, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN)
            .putLong(JournalFixture.config().limits().accountsMax + 1);
        Files.write(files.get(0), bytes);

        final SnapshotCorruptException corrupt = assertThrows(SnapshotCorruptException.class,
            () -> SnapshotStore.load(files.get(0), new GuardEngine(JournalFixture.config())));
        assertTrue(corrupt.getMessage().contains("checksum mismatch"), corrupt.getMessage());
        final Recovery.Result result = Recovery.recover(directory, store, new GuardEngine(JournalFixture.config()));
        assertEquals(SnapshotStore.seqOf(files.get(1)), result.snapshot().seq(), "the older one is used");
    }

    @Test
    void shouldWriteTheLiveEntriesOnlyNotTheTablesCapacity() throws Exception
    {
        // Issue 13, seen 5: a snapshot was the whole tables' capacity, 377 MB for the demo's 10,000 accounts.
        final io.ledgerguard.core.GuardConfig config = JournalFixture.config();
        config.limits().txIdsMax = 4_000_000;
        config.limits().positionsMax = 1_000_000;
        final GuardEngine engine = new GuardEngine(config);
        final JournalFixture.Run run = JournalFixture.runPipeline(
            new ChronicleJournal(new ChronicleJournalContext().directory(directory)), 1, engine, 60, 1);
        long wholeTables = 0;
        for (int i = 0; i < engine.statePartCount(); i++)
        {
            wholeTables += engine.statePart(i).capacity();
        }
        final Path file = SnapshotStore.inJournal(directory).write(engine, run.lastSeq(), engine.stateHash().hex());

        final long size = Files.size(file);
        assertTrue(size * 1_000 < wholeTables, "snapshot " + size + " bytes, whole tables " + wholeTables);
        final GuardEngine loaded = new GuardEngine(config);
        SnapshotStore.load(file, loaded);
        assertEquals(engine.stateHash().hex(), loaded.stateHash().hex());
    }

    private JournalFixture.Run runWithSnapshots(final int kept)
    {
        final GuardEngine engine = new GuardEngine(JournalFixture.config());
        final ChronicleJournal journal = new ChronicleJournal(new ChronicleJournalContext().directory(directory));
        final Snapshotter snapshotter = new Snapshotter(JournalFixture.config(), SnapshotStore.inJournal(directory),
            journal, EVERY, 0, kept, 0);
        final JournalFixture.Run run;
        try
        {
            run = runPipelineSlowly(journal, engine, snapshotter);
        }
        finally
        {
            snapshotter.close();
        }
        assertEquals(0, snapshotter.failures(), snapshotter.lastFailure());
        assertTrue(snapshotter.written() >= 3, "snapshots written: " + snapshotter.written());
        assertFalse(snapshotter.lastWrittenSeq() < 0);
        return run;
    }

    /**
     * The pipeline with snapshots every {@link #EVERY} commands; each is waited for, so that the next one is due while
     * the copy is free and the journal writes its checkpoint before the guard closes.
     */
    private static JournalFixture.Run runPipelineSlowly(
        final ChronicleJournal journal, final GuardEngine engine, final Snapshotter snapshotter)
    {
        final io.ledgerguard.core.pipeline.SnapshotTrigger waiting = (e, seq) ->
        {
            final boolean taken = snapshotter.afterApply(e, seq);
            if (taken && !snapshotter.awaitWritten(seq, 30, TimeUnit.SECONDS))
            {
                throw new IllegalStateException("snapshot at seq=" + seq + " not written within 30s");
            }
            return taken;
        };
        return JournalFixture.runPipeline(journal, 1, engine, 60, 1, waiting);
    }

    private String fullReplayHash()
    {
        return JournalReplay.replay(directory, new GuardEngine(JournalFixture.config())).stateHash().hex();
    }

    private static void flipByte(final Path file, final long position) throws Exception
    {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw"))
        {
            raf.seek(position);
            final int b = raf.read();
            raf.seek(position);
            raf.write(b ^ 0x01);
        }
    }
}
