package io.ledgerguard.journal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.ledgerguard.core.Command;
import io.ledgerguard.core.GuardEngine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code audit repair} writes a new journal holding a damaged journal's entries up to a sequence, byte for byte, and a
 * cut entry that states the loss; the damaged journal is left exactly as it was; the new journal verifies, recovers to
 * the state of the commands kept, and goes on at the next sequence; and a repair that cannot keep what is asked for
 * writes nothing.
 */
class JournalRepairTest
{
    private static final long NOW_NS = 1_800_000_000_000_000_000L;
    private static final DateTimeFormatter FAST_DAILY = DateTimeFormatter.ofPattern("yyyyMMdd'F'");

    @TempDir
    Path temp;

    @Test
    void shouldKeepTheEntriesUpToTheSequenceByteForByteAndStateTheLoss() throws Exception
    {
        final Path source = temp.resolve("damaged");
        final JournalFixture.Run run = JournalFixture.runPipeline(open(source), 1,
            new GuardEngine(JournalFixture.config()), 10, 1);
        final List<byte[]> excerpts = JournalFixture.rawExcerpts(source);
        final int damaged = excerpts.size() - 4;
        JournalFixture.flipByte(source, excerpts.get(damaged), 30);
        final Map<String, String> evidence = digests(source);
        final long keep = damaged - 1;

        final JournalRepair.Result result = JournalRepair.repair(source, keep, temp.resolve("repaired"), NOW_NS);

        assertEquals(evidence, digests(source), "the damaged journal is left exactly as it was");
        assertEquals(keep, result.lastSeq());
        assertEquals(4, result.droppedEntries(), "the damaged entry and the three after it");
        assertEquals(damaged, result.droppedFirstSeq());
        assertEquals(run.lastSeq(), result.droppedLastSeq());
        assertTrue(result.damage().startsWith("entry " + damaged + ": chain mismatch"), result.damage());
        final List<byte[]> repaired = JournalFixture.rawExcerpts(temp.resolve("repaired"));
        assertEquals(damaged + 1, repaired.size(), "the entries kept and the cut entry");
        for (int i = 0; i < damaged; i++)
        {
            assertArrayEquals(excerpts.get(i), repaired.get(i), "entry " + i + " kept byte for byte");
        }

        final JournalReader.Cut cut;
        try (JournalReader reader = JournalReader.open(temp.resolve("repaired")))
        {
            assertEquals(keep, reader.verifyAll(), "the new journal verifies whole");
            assertEquals(1, reader.cuts().size());
            cut = reader.cuts().get(0);
        }
        assertEquals(keep, cut.seq());
        assertEquals(damaged - 1, cut.lastEntryIndex());
        assertEquals(JournalFixture.independentChainHead(excerpts.subList(0, damaged)), cut.chainHeadHex());
        assertEquals(4, cut.droppedEntries());
        assertEquals(damaged, cut.droppedFirstSeq());
        assertEquals(run.lastSeq(), cut.droppedLastSeq());
        assertEquals(NOW_NS, cut.timestampNs());
        assertTrue(cut.note().startsWith("source=" + source + "; then: entry " + damaged + ": chain mismatch"),
            cut.note());

        final GuardEngine engine = new GuardEngine(JournalFixture.config());
        final ChronicleJournal journal = open(temp.resolve("repaired"));
        final Recovery.Result recovery = Recovery.recover(journal, null, engine);
        assertEquals(keep, recovery.lastSeq());
        assertEquals(replayOfTheFirst(source, keep), recovery.stateHashHex(), "the state of the commands kept");
        final JournalFixture.Run after = JournalFixture.runPipeline(journal, keep + 1, engine, 2, 1_000_000);
        final JournalReplay.Result replay = JournalReplay.replay(temp.resolve("repaired"),
            new GuardEngine(JournalFixture.config()));
        assertEquals(after.lastSeq(), replay.journalLastSeq(), "it goes on after the cut");
        assertEquals(0, replay.mismatches(), replay.firstMismatch());
        assertNull(replay.invariantViolation());
    }

    @Test
    void shouldKeepTheFilesBeforeANewestFileCutInsideItsHeader() throws Exception
    {
        final Path source = temp.resolve("damaged");
        final long lastSeqOfFirstFile = writeTwoCycles(source);
        final Path newest = JournalFixture.cycleFiles(source).get(1);
        try (FileChannel channel = FileChannel.open(newest, StandardOpenOption.WRITE))
        {
            channel.truncate(150);
        }

        final JournalRepair.Result result =
            JournalRepair.repair(source, lastSeqOfFirstFile, temp.resolve("repaired"), NOW_NS);

        assertEquals(lastSeqOfFirstFile, result.lastSeq());
        assertEquals(0, result.droppedEntries(), "nothing of the cut file can be read");
        assertTrue(result.damage().contains(newest.getFileName() + " is cut inside its header"), result.damage());
        try (ChronicleJournal journal = open(temp.resolve("repaired")))
        {
            assertEquals(lastSeqOfFirstFile, journal.lastSeq());
        }
    }

    @Test
    void shouldWriteNothingWhenTheDamageComesBeforeTheSequence()
    {
        final Path source = temp.resolve("damaged");
        JournalFixture.runPipeline(open(source), 1, new GuardEngine(JournalFixture.config()), 10, 1);
        final List<byte[]> excerpts = JournalFixture.rawExcerpts(source);
        JournalFixture.flipByte(source, excerpts.get(20), 30);

        final JournalCorruptException refused = assertThrows(JournalCorruptException.class,
            () -> JournalRepair.repair(source, 25, temp.resolve("repaired"), NOW_NS));

        assertEquals(20, refused.entryIndex());
        assertTrue(refused.problem().contains("cannot keep up to seq=25") &&
            refused.problem().contains("keep at most up to seq=19"), refused.getMessage());
        assertFalse(Files.exists(temp.resolve("repaired")), "no new journal");
        assertFalse(Files.exists(temp.resolve("repaired.repairing")), "no temporary directory left");
    }

    @Test
    void shouldRefuseATargetThatIsNotANewDirectoryOutsideTheJournal() throws Exception
    {
        final Path source = temp.resolve("journal");
        JournalFixture.runPipeline(open(source), 1, new GuardEngine(JournalFixture.config()), 2, 1);
        final Path taken = Files.createDirectories(temp.resolve("taken"));
        Files.writeString(taken.resolve("notes.txt"), "not empty");

        final IllegalArgumentException inside = assertThrows(IllegalArgumentException.class,
            () -> JournalRepair.repair(source, 3, source.resolve("snapshots").resolve("x"), NOW_NS));
        final IllegalArgumentException notEmpty = assertThrows(IllegalArgumentException.class,
            () -> JournalRepair.repair(source, 3, taken, NOW_NS));
        final IllegalArgumentException beyond = assertThrows(IllegalArgumentException.class,
            () -> JournalRepair.repair(source, 1_000, temp.resolve("new"), NOW_NS));

        assertTrue(inside.getMessage().contains("outside journal"), inside.getMessage());
        assertTrue(notEmpty.getMessage().contains("is not empty"), notEmpty.getMessage());
        assertTrue(beyond.getMessage().contains("is beyond journal"), beyond.getMessage());
        assertFalse(Files.exists(temp.resolve("new")));
    }

    @Test
    void shouldRollTheNewJournalByTheCycleItsFilesAreNamedFor()
    {
        final Path hourly = temp.resolve("hourly");
        new ChronicleJournal(new ChronicleJournalContext().directory(hourly).rollCycle("FAST_HOURLY")).close();

        assertEquals("FAST_HOURLY", ((Enum<?>)JournalRepair.rollCycleOf(JournalFixture.cycleFiles(hourly))).name());
        assertEquals(ChronicleJournalContext.ROLL_CYCLE_DEFAULT,
            ((Enum<?>)JournalRepair.rollCycleOf(List.of())).name());
    }

    private static ChronicleJournal open(final Path directory)
    {
        return new ChronicleJournal(new ChronicleJournalContext().directory(directory));
    }

    private static String replayOfTheFirst(final Path journal, final long seq)
    {
        final GuardEngine engine = new GuardEngine(JournalFixture.config());
        final io.ledgerguard.core.Decision decision = new io.ledgerguard.core.Decision();
        final Command command = new Command();
        try (JournalReader reader = JournalReader.openFiles(journal))
        {
            while (reader.next(command) && command.seq <= seq)
            {
                engine.apply(command, decision);
            }
        }
        catch (final JournalCorruptException ex)
        {
            assertTrue(ex.entryIndex() > seq, "damaged after the commands kept: " + ex.getMessage());
        }
        return engine.stateHash().hex();
    }

    /**
     * @return the last sequence of the first of two daily cycle files.
     */
    private static long writeTwoCycles(final Path directory) throws IOException
    {
        final JournalFixture.Run first = JournalFixture.runPipeline(open(directory), 1,
            new GuardEngine(JournalFixture.config()), 3, 1);
        final Path today = JournalFixture.cycleFiles(directory).get(0);
        final String name = today.getFileName().toString();
        final LocalDate day = LocalDate.parse(name.substring(0, name.length() - ".cq4".length()), FAST_DAILY);
        Files.move(today, today.resolveSibling(FAST_DAILY.format(day.minusDays(1)) + ".cq4"));
        Files.delete(directory.resolve("metadata.cq4t"));
        final GuardEngine engine = new GuardEngine(JournalFixture.config());
        final ChronicleJournal journal = open(directory);
        Recovery.recover(journal, null, engine);
        JournalFixture.runPipeline(journal, first.lastSeq() + 1, engine, 3, 10_000);
        assertEquals(2, JournalFixture.cycleFiles(directory).size(), "two cycle files");
        return first.lastSeq();
    }

    private static Map<String, String> digests(final Path directory)
    {
        final Map<String, String> digests = new TreeMap<>();
        try (Stream<Path> files = Files.walk(directory))
        {
            for (final Path file : files.filter(Files::isRegularFile).toList())
            {
                digests.put(directory.relativize(file).toString(), HexFormat.of().formatHex(
                    MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file))));
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        catch (final java.security.NoSuchAlgorithmException ex)
        {
            throw new AssertionError(ex);
        }
        return digests;
    }
}
