package io.ledgerguard.journal;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.ledgerguard.core.Command;
import io.ledgerguard.core.CommandType;
import io.ledgerguard.core.Decision;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ChronicleJournalCheckpointTest
{
    @TempDir
    Path directory;

    /**
     * A snapshot taken while the previous one's checkpoint is still waiting for the end of a batch: the waiting
     * checkpoint is written first, and each checkpoint still names its own command's entry.
     */
    @Test
    void shouldNameTheRightEntryWhenASnapshotFollowsBeforeThePreviousCheckpointIsWritten()
    {
        final String hash1 = "1".repeat(64);
        final String hash2 = "2".repeat(64);
        try (ChronicleJournal journal = new ChronicleJournal(new ChronicleJournalContext().directory(directory)))
        {
            append(journal, 1);
            append(journal, 2);
            journal.snapshotTaken(2);
            journal.postCheckpoint(2, hash1);
            append(journal, 3);
            append(journal, 4);
            // No flush since: the checkpoint for seq 2 is still pending when seq 4 is snapshotted.
            journal.snapshotTaken(4);
            journal.postCheckpoint(4, hash2);
            append(journal, 5);
            journal.flush();
            assertEquals(2, journal.checkpointsWritten());
            assertEquals(4, journal.lastCheckpointSeq());
        }
        final List<JournalReader.Checkpoint> checkpoints;
        try (JournalReader reader = JournalReader.open(directory))
        {
            reader.verifyAll();
            checkpoints = reader.checkpoints();
        }
        assertEquals(2, checkpoints.size());
        assertEquals(2, checkpoints.get(0).seq());
        assertEquals(hash1, checkpoints.get(0).stateHashHex());
        assertEquals(4, checkpoints.get(1).seq());
        assertEquals(hash2, checkpoints.get(1).stateHashHex());
        for (final JournalReader.Checkpoint checkpoint : checkpoints)
        {
            assertEquals(checkpoint.seq(), checkpoint.seqEntryIndex(), "entry index of " + checkpoint);
            try (JournalReader reader = JournalReader.open(directory))
            {
                reader.startAfter(checkpoint);
                final Command command = new Command();
                long last = checkpoint.seq();
                while (reader.next(command))
                {
                    assertEquals(last + 1, command.seq);
                    last = command.seq;
                }
                assertEquals(5, last);
            }
        }
    }

    private static void append(final ChronicleJournal journal, final long seq)
    {
        final Command command = new Command();
        command.type = CommandType.OPEN_ACCOUNT;
        command.txId = seq;
        command.accountId = seq;
        command.seq = seq;
        command.timestampNs = seq * 1_000;
        final Decision decision = new Decision();
        decision.reset(seq, seq, command.timestampNs);
        journal.append(command, decision);
    }
}
