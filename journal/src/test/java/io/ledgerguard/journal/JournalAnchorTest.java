package io.ledgerguard.journal;

import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.ledgerguard.core.Command;
import io.ledgerguard.core.Decision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A journal that begins at an anchor (a cluster node seeded from the cluster's snapshot): chained on the value another
 * journal has at the anchor's sequence, it has that journal's chain values at every later sequence; it is read,
 * reopened and appended to like any journal, takes only the sequence after its anchor next, and its anchor is sealed
 * like any entry. Only a reader that says it reads such a journal does: one replaying from the first command is
 * refused at the anchor.
 */
class JournalAnchorTest
{
    private static final String STATE_HASH = "ab".repeat(32);

    @TempDir
    Path temporary;

    private Path whole;
    private String chainAt5;

    @BeforeEach
    void writeTheOthersJournal()
    {
        whole = temporary.resolve("whole");
        try (ChronicleJournal journal = new ChronicleJournal(new ChronicleJournalContext().directory(whole)))
        {
            JournalFixture.appendOpenAccounts(journal, 1, 10);
        }
        try (JournalReader reader = JournalReader.open(whole))
        {
            final Command command = new Command();
            while (reader.next(command) && command.seq < 5)
            {
                // Up to seq 5.
            }
            chainAt5 = reader.chainHeadHex();
        }
    }

    @Test
    void shouldHaveTheOthersChainValuesAfterItsAnchor()
    {
        final Path anchored = temporary.resolve("anchored");
        try (ChronicleJournal journal = new ChronicleJournal(new ChronicleJournalContext().directory(anchored)))
        {
            journal.anchor(5, HexFormat.of().parseHex(chainAt5), STATE_HASH);
            assertEquals(5, journal.lastSeq());
            final byte[] head = new byte[JournalEntryDescriptor.CHAIN_LENGTH];
            assertEquals(5, journal.chainHead(head), "published at the anchor's seq");
            assertEquals(chainAt5, HexFormat.of().formatHex(head));
            copyCommands(whole, 6, journal);
        }
        final String wholeHead;
        try (JournalReader reader = JournalReader.open(whole))
        {
            reader.verifyAll();
            wholeHead = reader.chainHeadHex();
        }
        try (JournalReader reader = JournalReader.open(anchored).allowingAnchor())
        {
            assertEquals(5, reader.verifyAll(), "the anchor and five commands after the header");
            assertEquals(new JournalReader.Anchor(1, 5, chainAt5, STATE_HASH), reader.anchor());
            assertEquals(5, reader.commands());
            assertEquals(10, reader.lastSeq());
            assertEquals(wholeHead, reader.chainHeadHex(), "the same chain head as the journal begun at seq 1");
        }
        // A reader that replays from the first command (recovery, a replay into a fresh guard) is refused, by name.
        try (JournalReader replaying = JournalReader.open(anchored))
        {
            final JournalFormatException refused = assertThrows(JournalFormatException.class, replaying::verifyAll);
            assertTrue(refused.getMessage().contains("begins at an anchor after seq=5"), refused.getMessage());
        }
        try (ChronicleJournal reopened = new ChronicleJournal(new ChronicleJournalContext().directory(anchored)))
        {
            assertEquals(5, reopened.anchoredAt());
            assertEquals(10, reopened.lastSeq());
            final IllegalStateException anchorAgain = assertThrows(IllegalStateException.class,
                () -> reopened.anchor(10, new byte[JournalEntryDescriptor.CHAIN_LENGTH], STATE_HASH));
            assertTrue(anchorAgain.getMessage().contains("holds evidence up to seq=10"), anchorAgain.getMessage());
        }
    }

    @Test
    void shouldTakeOnlyTheSequenceAfterItsAnchorNext()
    {
        final Path anchored = temporary.resolve("anchored");
        try (ChronicleJournal journal = new ChronicleJournal(new ChronicleJournalContext().directory(anchored)))
        {
            journal.anchor(5, HexFormat.of().parseHex(chainAt5), STATE_HASH);
        }
        try (ChronicleJournal reopened = new ChronicleJournal(new ChronicleJournalContext().directory(anchored)))
        {
            assertEquals(5, reopened.lastSeq(), "reopened with no command after the anchor");
            final IllegalStateException gap = assertThrows(IllegalStateException.class,
                () -> JournalFixture.appendOpenAccounts(reopened, 7, 7));
            assertTrue(gap.getMessage().contains("sequence gap"), gap.getMessage());
        }
        try (ChronicleJournal reopened = new ChronicleJournal(new ChronicleJournalContext().directory(anchored)))
        {
            JournalFixture.appendOpenAccounts(reopened, 6, 6);
        }
        try (JournalReader reader = JournalReader.open(anchored).allowingAnchor())
        {
            reader.verifyAll();
            assertEquals(6, reader.lastSeq());
        }
    }

    @Test
    void shouldRefuseAnAnchorInAJournalThatHoldsCommands()
    {
        try (ChronicleJournal journal = new ChronicleJournal(new ChronicleJournalContext().directory(whole)))
        {
            assertThrows(IllegalStateException.class,
                () -> journal.anchor(10, HexFormat.of().parseHex(chainAt5), STATE_HASH));
        }
        try (JournalReader reader = JournalReader.open(whole))
        {
            reader.verifyAll();
            assertNull(reader.anchor(), "nothing written");
        }
    }

    /** The chain value an anchor names is sealed by the anchor's own: changed, the anchor's entry breaks the chain. */
    @Test
    void shouldBreakTheChainAtAnAnchorWhoseValueWasChanged()
    {
        final Path anchored = temporary.resolve("anchored");
        try (ChronicleJournal journal = new ChronicleJournal(new ChronicleJournalContext().directory(anchored)))
        {
            journal.anchor(5, HexFormat.of().parseHex(chainAt5), STATE_HASH);
            copyCommands(whole, 6, journal);
        }
        final List<byte[]> excerpts = JournalFixture.rawExcerpts(anchored);
        final byte[] anchor = excerpts.get(1);
        assertEquals(JournalEntryDescriptor.KIND_ANCHOR, anchor[JournalEntryDescriptor.KIND_OFFSET]);
        final int digit = JournalEntryDescriptor.BODY_OFFSET + JournalEntryDescriptor.ANCHOR_CHAIN_OFFSET;
        anchor[digit] = (byte)(anchor[digit] == '0' ? '1' : '0');
        final Path tampered = temporary.resolve("tampered");
        JournalFixture.writeRawExcerpts(tampered, excerpts);
        try (JournalReader reader = JournalReader.open(tampered).allowingAnchor())
        {
            final JournalCorruptException broken = assertThrows(JournalCorruptException.class, reader::verifyAll);
            assertEquals(1, broken.entryIndex(), broken.getMessage());
            assertTrue(broken.problem().contains("chain mismatch"), broken.problem());
        }
    }

    /**
     * {@code audit repair} of such a journal keeps its anchor and the snapshot beside it, and refuses a cut before the
     * anchor (it would keep more than asked: nothing before the anchor is there to cut).
     */
    @Test
    void shouldKeepTheAnchorAndItsSnapshotInARepair() throws Exception
    {
        final Path anchored = temporary.resolve("anchored");
        try (ChronicleJournal journal = new ChronicleJournal(new ChronicleJournalContext().directory(anchored)))
        {
            journal.anchor(5, HexFormat.of().parseHex(chainAt5), STATE_HASH);
            copyCommands(whole, 6, journal);
        }
        final Path snapshot = SnapshotStore.inJournal(anchored).directory().resolve(SnapshotStore.fileName(5));
        java.nio.file.Files.createDirectories(snapshot.getParent());
        java.nio.file.Files.write(snapshot, new byte[] {1, 2, 3});

        final IllegalArgumentException before = assertThrows(IllegalArgumentException.class,
            () -> JournalRepair.repair(anchored, 3, temporary.resolve("before"), 0));
        assertTrue(before.getMessage().contains("is before the anchor"), before.getMessage());

        final Path repaired = temporary.resolve("repaired");
        final JournalRepair.Result result = JournalRepair.repair(anchored, 8, repaired, 0);
        assertEquals(5, result.anchorSeq());
        assertTrue(java.nio.file.Files.exists(SnapshotStore.inJournal(repaired).directory()
            .resolve(SnapshotStore.fileName(5))), "the anchor's snapshot kept");
        try (JournalReader reader = JournalReader.open(repaired).allowingAnchor())
        {
            reader.verifyAll();
            assertEquals(5, reader.anchor().seq());
            assertEquals(8, reader.lastSeq());
        }
    }

    /** The commands of {@code from} from {@code fromSeq} on, appended to {@code to} as recorded. */
    private static void copyCommands(final Path from, final long fromSeq, final ChronicleJournal to)
    {
        final Command command = new Command();
        final Decision decision = new Decision();
        try (JournalReader reader = JournalReader.open(from))
        {
            while (reader.next(command, decision))
            {
                if (command.seq >= fromSeq)
                {
                    to.append(command, decision);
                }
            }
        }
    }
}
