package io.ledgerguard.cli;

import java.io.InputStream;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.ledgerguard.audit.AuditJournals;
import io.ledgerguard.config.ConfigLoader;
import io.ledgerguard.core.CommandCodec;
import io.ledgerguard.core.Coverage;
import io.ledgerguard.core.GuardEngine;
import io.ledgerguard.journal.JournalEntryDescriptor;
import io.ledgerguard.journal.SnapshotStore;
import io.ledgerguard.replay.Replay;

import static io.ledgerguard.audit.AuditJournals.EXAMPLE_COMMANDS;
import static io.ledgerguard.audit.AuditJournals.EXAMPLE_CONFIG;
import static io.ledgerguard.audit.AuditJournals.chainHex;
import static io.ledgerguard.audit.AuditJournals.checkpointEntries;
import static io.ledgerguard.audit.AuditJournals.commandEntry;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code ledger-guard audit} on journals written from the example configuration and commands, with checkpoints: a
 * good journal verifies, replays to the same decisions and state hashes, explains its decisions, reports its reserves
 * and dumps one line per entry; a modified, deleted or dropped entry, a forged checkpoint or decision, and a file cut
 * short each fail verification naming the first bad entry's index.
 */
class AuditCommandTest
{
    private static final String CONFIG = EXAMPLE_CONFIG.toString();
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The examples sequence 36 commands (one line is malformed); every 10th is checkpointed. */
    private static final long LAST_SEQ = 36;
    private static final long CHECKPOINT_EVERY = 10;

    @TempDir
    Path temp;

    private Path journal;
    private AuditJournals.Written written;
    private List<byte[]> excerpts;

    @BeforeEach
    void writeJournal()
    {
        journal = temp.resolve("journal");
        written = AuditJournals.writeJournal(journal, EXAMPLE_CONFIG, EXAMPLE_COMMANDS, CHECKPOINT_EVERY);
        excerpts = AuditJournals.rawExcerpts(journal);
        assertEquals(LAST_SEQ, written.sequenced);
        assertEquals(1 + LAST_SEQ + 3, excerpts.size(), "the header, 36 commands and 3 checkpoints");
    }

    // ---------------------------------------------------------------------------------------------------------------
    // verify
    // ---------------------------------------------------------------------------------------------------------------

    @Test
    void shouldVerifyAGoodJournalAndItsCheckpoints()
    {
        final CliRun result = execute("audit", "verify", journal.toString());

        assertEquals(0, result.code, result.text());
        assertTrue(result.out.startsWith("verify: OK " + journal), result.out);
        assertContains(result.out, "entries       40: the header, no genesis rules, 36 commands, 3 checkpoints");
        assertContains(result.out, "commands      seq 1..36, 2026-01-01T00:00:00Z .. 2026-01-01T00:00:29Z");
        assertContains(result.out, "checkpoints   3 of 3 name the chain value of their seq's entry");
        assertContains(result.out, "chain head    " + chainHex(excerpts.get(excerpts.size() - 1)));
        assertContains(result.out, "replay        not run");
    }

    @Test
    void shouldReplayAGoodJournalToTheSameDecisionsAndStateHashes()
    {
        final CliRun result = execute("audit", "verify", journal.toString(), "--config", CONFIG);

        assertEquals(0, result.code, result.text());
        assertContains(result.out, "replay        36 decisions equal to the recorded ones; 3 checkpoint state hashes " +
            "equal; invariants hold");
        assertContains(result.out, "state hash    " + written.stateHashHex);
    }

    @Test
    void shouldVerifyTheJournalThatReplayWrites()
    {
        final Path replayed = temp.resolve("replayed");
        final CliRun replay = execute("replay", "--config", CONFIG, "--commands", EXAMPLE_COMMANDS.toString(),
            "--journal", replayed.toString());
        assertEquals(0, replay.code, replay.text());

        final CliRun result = execute("audit", "verify", replayed.toString(), "--config", CONFIG);

        assertEquals(0, result.code, result.text());
        assertContains(result.out, "entries       38: the header, 1 of genesis rules, 36 commands, 0 checkpoints");
        assertContains(result.out, "state hash    " + written.stateHashHex);
    }

    @ParameterizedTest
    @ValueSource(ints = {
        JournalEntryDescriptor.SEQ_OFFSET,
        JournalEntryDescriptor.TIMESTAMP_OFFSET + 2,
        JournalEntryDescriptor.BODY_OFFSET + CommandCodec.TX_ID_OFFSET,
        JournalEntryDescriptor.BODY_OFFSET + CommandCodec.AMOUNT_OFFSET,
        -1})
    void shouldNameTheCommandEntryWhoseByteWasFlipped(final int offset)
    {
        final int index = commandEntry(excerpts, 13);
        final byte[] excerpt = excerpts.get(index);
        // -1 stands for the last byte of the stored chain value itself.
        AuditJournals.flipByte(journal, excerpt, offset < 0 ? excerpt.length - 1 : offset);

        final CliRun result = execute("audit", "verify", journal.toString());

        assertEquals(1, result.code, result.text());
        assertTrue(result.out.startsWith("verify: FAILED at entry " + index + ": chain mismatch"), result.out);
        assertContains(result.out, "verified      entries 0.." + (index - 1) + " before it, up to seq=12");
    }

    @Test
    void shouldNameTheHeaderOrACheckpointWhoseByteWasFlipped()
    {
        final int checkpoint = checkpointEntries(excerpts).get(1);
        AuditJournals.flipByte(journal, excerpts.get(checkpoint),
            JournalEntryDescriptor.BODY_OFFSET + JournalEntryDescriptor.CHECKPOINT_STATE_HASH_OFFSET + 5);

        final CliRun atCheckpoint = execute("audit", "verify", journal.toString());

        assertEquals(1, atCheckpoint.code, atCheckpoint.text());
        assertTrue(atCheckpoint.out.startsWith("verify: FAILED at entry " + checkpoint + ": chain mismatch"),
            atCheckpoint.out);

        AuditJournals.flipByte(journal, excerpts.get(0), excerpts.get(0).length - 1);

        final CliRun atHeader = execute("audit", "verify", journal.toString());

        assertEquals(1, atHeader.code, atHeader.text());
        assertTrue(atHeader.out.startsWith("verify: FAILED at entry 0: chain mismatch"), atHeader.out);
        assertContains(atHeader.out, "verified      nothing before it");
    }

    @Test
    void shouldNameTheEntryWhereOneWasDeleted()
    {
        final List<byte[]> forged = new ArrayList<>(excerpts);
        forged.remove(7);

        final CliRun result = execute("audit", "verify", forge(forged).toString());

        assertEquals(1, result.code, result.text());
        assertTrue(result.out.startsWith("verify: FAILED at entry 7: chain mismatch"), result.out);
    }

    @Test
    void shouldDetectEntriesDroppedFromTheEndAgainstWhatWasPublished()
    {
        final String publishedHead = chainHex(excerpts.get(excerpts.size() - 1));
        final CliRun original = execute("audit", "verify", journal.toString(), "--expect-head", publishedHead,
            "--expect-seq", Long.toString(LAST_SEQ));
        assertEquals(0, original.code, original.text());
        assertContains(original.out, "expected head reached at entry " + (excerpts.size() - 1));

        final Path forged = forge(new ArrayList<>(excerpts.subList(0, 30)));
        final long forgedLastSeq = lastSeq(excerpts.subList(0, 30));

        // What is left is a valid, shorter chain: nothing in it shows the loss.
        final CliRun alone = execute("audit", "verify", forged.toString());
        assertEquals(0, alone.code, alone.text());

        final CliRun againstHead = execute("audit", "verify", forged.toString(), "--expect-head", publishedHead);
        assertEquals(1, againstHead.code, againstHead.text());
        assertTrue(againstHead.out.startsWith("verify: FAILED at entry 30: the journal ends at entry 29 (seq=" +
            forgedLastSeq + ") without reaching the chain head given by --expect-head " + publishedHead),
            againstHead.out);

        final CliRun againstSeq = execute("audit", "verify", forged.toString(), "--expect-seq", "36");
        assertEquals(1, againstSeq.code, againstSeq.text());
        assertTrue(againstSeq.out.startsWith("verify: FAILED at entry 30: the journal ends at entry 29 (seq=" +
            forgedLastSeq + ") but --expect-seq is 36: " + (LAST_SEQ - forgedLastSeq) + " commands are missing"),
            againstSeq.out);
    }

    @Test
    void shouldDetectASnapshotTakenAfterTheJournalsEnd()
    {
        final Path forged = forge(new ArrayList<>(excerpts.subList(0, 30)));
        final Path snapshot = SnapshotStore.inJournal(forged).write(written.engine, LAST_SEQ, written.stateHashHex);

        final CliRun result = execute("audit", "verify", forged.toString());

        assertEquals(1, result.code, result.text());
        assertTrue(result.out.startsWith("verify: FAILED at entry 30: the journal ends at entry 29"), result.out);
        assertContains(result.out, "snapshot " + forged.relativize(snapshot) + " was taken after seq=36");
    }

    @ParameterizedTest
    @ValueSource(strings = {"at an entry's header", "inside an entry", "at a page boundary inside an entry"})
    void shouldNameTheFirstEntryMissingFromAFileCutShort(final String where)
    {
        final int pageBytes = 4096;
        int index = -1;
        long cut = -1;
        // An entry well inside the journal; for a page boundary, the first entry that spans one.
        for (int i = where.contains("page") ? 1 : 20; i < excerpts.size() && cut < 0; i++)
        {
            final long start = AuditJournals.offsetInFile(journal, excerpts.get(i));
            final long end = start + excerpts.get(i).length;
            final long page = (start / pageBytes + 1) * pageBytes;
            switch (where)
            {
                case "at an entry's header":
                    cut = start - 4;
                    break;
                case "inside an entry":
                    cut = start + 10;
                    break;
                default:
                    cut = page < end ? page : -1;
                    break;
            }
            index = i;
        }
        assertTrue(cut > 0, "no entry to cut " + where);
        AuditJournals.truncateCycleFile(journal, cut);

        final CliRun result = execute("audit", "verify", journal.toString());

        assertEquals(1, result.code, result.text());
        assertTrue(result.out.startsWith("verify: FAILED at entry " + index + ": queue file "), result.out);
        assertContains(result.out, "ends at byte " + cut);
    }

    @Test
    void shouldDetectACheckpointThatNamesAnotherChainValue()
    {
        final List<byte[]> forged = copy(excerpts);
        final int checkpoint = checkpointEntries(forged).get(0);
        final int named = commandEntry(forged, CHECKPOINT_EVERY);
        final String otherChain = chainHex(forged.get(named + 1));
        AuditJournals.putAscii(forged.get(checkpoint),
            JournalEntryDescriptor.BODY_OFFSET + JournalEntryDescriptor.CHECKPOINT_CHAIN_OFFSET, otherChain);
        AuditJournals.reseal(forged);

        final CliRun result = execute("audit", "verify", forge(forged).toString());

        assertEquals(1, result.code, result.text());
        assertTrue(result.out.startsWith("verify: FAILED at entry " + checkpoint + ": checkpoint for seq=10 records " +
            "chain value " + otherChain + " but entry " + named + " (seq=10) has chain value " +
            chainHex(forged.get(named))), result.out);
    }

    @Test
    void shouldDetectACheckpointStateHashThatTheReplayDoesNotReach()
    {
        final List<byte[]> forged = copy(excerpts);
        final int checkpoint = checkpointEntries(forged).get(2);
        final String zeros = "0".repeat(64);
        AuditJournals.putAscii(forged.get(checkpoint),
            JournalEntryDescriptor.BODY_OFFSET + JournalEntryDescriptor.CHECKPOINT_STATE_HASH_OFFSET, zeros);
        AuditJournals.reseal(forged);
        final Path forgedJournal = forge(forged);

        assertEquals(0, execute("audit", "verify", forgedJournal.toString()).code, "the chain alone holds");

        final CliRun result = execute("audit", "verify", forgedJournal.toString(), "--config", CONFIG);

        assertEquals(1, result.code, result.text());
        assertTrue(result.out.startsWith("verify: FAILED at entry " + checkpoint + ": checkpoint for seq=30 records " +
            "state hash " + zeros + " but the replay's state after seq=30 hashes to "), result.out);
    }

    @Test
    void shouldDetectARecordedDecisionRewrittenWithTheChainAfterIt()
    {
        // seq 16 was rejected INSUFFICIENT_AVAILABLE: record it as accepted and re-seal every chain value after it.
        final List<byte[]> forged = copy(excerpts);
        final int index = commandEntry(forged, 16);
        final ByteBuffer entry = ByteBuffer.wrap(forged.get(index)).order(ByteOrder.LITTLE_ENDIAN);
        final int commandLength = entry.getInt(JournalEntryDescriptor.BODY_OFFSET + CommandCodec.LENGTH_OFFSET);
        assertEquals(2001, entry.getShort(JournalEntryDescriptor.BODY_OFFSET + commandLength));
        entry.putShort(JournalEntryDescriptor.BODY_OFFSET + commandLength, (short)0);
        AuditJournals.reseal(forged);
        final Path forgedJournal = forge(forged);

        // The checkpoint after it still names the chain value the entry had.
        final int checkpoint = checkpointEntries(forged).get(1);
        final CliRun chainOnly = execute("audit", "verify", forgedJournal.toString());
        assertEquals(1, chainOnly.code, chainOnly.text());
        assertTrue(chainOnly.out.startsWith("verify: FAILED at entry " + checkpoint + ": checkpoint for seq=20"),
            chainOnly.out);

        final CliRun replayed = execute("audit", "verify", forgedJournal.toString(), "--config", CONFIG);
        assertEquals(1, replayed.code, replayed.text());
        assertTrue(replayed.out.startsWith("verify: FAILED at entry " + index + ": the replayed decision differs " +
            "from the recorded one: seq=16 txId=19: journal recorded ACCEPTED OK"), replayed.out);
        assertContains(replayed.out, "replay decided REJECTED INSUFFICIENT_AVAILABLE (2001)");
    }

    @Test
    void shouldNameTheFirstDecisionThatAnotherConfigurationDecidesDifferently() throws Exception
    {
        final Path other = temp.resolve("other.yaml");
        final String config = Files.readString(EXAMPLE_CONFIG);
        assertTrue(config.contains("creditCapMinorUnits: 10000000000"));
        Files.writeString(other, config.replace("creditCapMinorUnits: 10000000000", "creditCapMinorUnits: 1000"));

        final CliRun result = execute("audit", "verify", journal.toString(), "--config", other.toString());

        assertEquals(1, result.code, result.text());
        assertTrue(result.out.startsWith("verify: FAILED at entry " + commandEntry(excerpts, 9) + ": the replayed " +
            "decision differs from the recorded one: seq=9 txId=9"), result.out);
        assertContains(result.out, "replay decided REJECTED CREDIT_CAP_EXCEEDED (3002)");
        assertContains(result.out, "another configuration");
    }

    @Test
    void shouldRefuseABadConfigurationOrADirectoryThatIsNotAJournal() throws Exception
    {
        final Path bad = temp.resolve("bad.yaml");
        Files.writeString(bad, Files.readString(EXAMPLE_CONFIG).replace("scale: 8", "scale: eight"));

        final CliRun badConfig = execute("audit", "verify", journal.toString(), "--config", bad.toString());
        assertEquals(2, badConfig.code, badConfig.text());
        assertContains(badConfig.err, "assets[0].scale: must be an integer 0..18");

        final CliRun notJournal = execute("audit", "verify", AuditJournals.EXAMPLES.toString());
        assertEquals(2, notJournal.code, notJournal.text());
        assertContains(notJournal.err, "not a ledger-guard journal");

        final CliRun missing = execute("audit", "dump", temp.resolve("missing").toString());
        assertEquals(2, missing.code, missing.text());
        assertContains(missing.err, "no journal: directory=" + temp.resolve("missing"));
    }

    // ---------------------------------------------------------------------------------------------------------------
    // explain
    // ---------------------------------------------------------------------------------------------------------------

    @Test
    void shouldExplainAHoldWithThePositionAndAssetBeforeAndAfter()
    {
        final CliRun result = execute("audit", "explain", journal.toString(), "13", "--config", CONFIG);

        assertEquals(0, result.code, result.text());
        assertLine(result.out, "  command       HOLD txId=13 holdId=77 accountId=1001 asset=BTC amount=1000000");
        assertLine(result.out, "  seq           13 (entry " + commandEntry(excerpts, 13) + ") at 2026-01-01T00:00:06Z");
        assertLine(result.out, "  decision      ACCEPTED OK");
        assertLine(result.out, "  alerts        none");
        assertRow(result.out, "1001 BTC available", "100000000", "99000000", "-1000000");
        assertRow(result.out, "1001 BTC held", "0", "1000000", "+1000000");
        assertRow(result.out, "BTC obligations", "100000000", "100000000");
        assertRow(result.out, "BTC held", "0", "1000000", "+1000000");
        assertRow(result.out, "BTC status", "NORMAL", "NORMAL");
        assertLine(result.out, "  submitted again  no");
    }

    @Test
    void shouldExplainAReleaseThroughTheHoldItReleases() throws Exception
    {
        final CliRun result = execute("audit", "explain", journal.toString(), "21", "--config", CONFIG, "--json");

        assertEquals(0, result.code, result.text());
        final JsonNode explained = JSON.readTree(result.out);
        assertEquals(18, explained.get("seq").asLong());
        assertEquals(commandEntry(excerpts, 18), explained.get("entryIndex").asInt());
        assertEquals("RELEASE", explained.at("/command/type").asText());
        assertEquals("OK", explained.at("/decision/reason").asText());
        assertEquals(1001, explained.at("/accounts/0/accountId").asLong(), "the hold's account, found by holdId");
        assertEquals(96_000_000, explained.at("/accounts/0/before/positions/BTC/available").asLong());
        assertEquals(3_000_000, explained.at("/accounts/0/before/positions/BTC/held").asLong());
        assertEquals(99_000_000, explained.at("/accounts/0/after/positions/BTC/available").asLong());
        assertEquals(0, explained.at("/accounts/0/after/positions/BTC/held").asLong());
        assertEquals("BTC", explained.at("/assets/0/asset").asText());
        assertEquals(3_000_000, explained.at("/assets/0/before/held").asLong());
        assertEquals(0, explained.at("/assets/0/after/held").asLong());
        assertEquals(0, explained.get("laterSubmissions").size());
    }

    @Test
    void shouldExplainAnInnerCommandOfABatch() throws Exception
    {
        final JsonNode explained = JSON.readTree(
            execute("audit", "explain", journal.toString(), "17", "--config", CONFIG, "--json").out);

        assertEquals(15, explained.get("seq").asLong());
        assertEquals("TRANSFER", explained.at("/command/type").asText());
        assertEquals(15, explained.at("/batch/txId").asLong());
        assertEquals(1, explained.at("/batch/index").asInt());
        assertEquals("OK", explained.at("/decision/reason").asText());
        assertEquals(3, explained.at("/decision/batch/linked").size());
        assertEquals(1002, explained.at("/accounts/0/accountId").asLong());
        assertEquals(1_500_000, explained.at("/accounts/0/before/positions/KRW/held").asLong());
        assertEquals(0, explained.at("/accounts/0/after/positions/KRW/held").asLong());
    }

    @Test
    void shouldExplainTheFirstSubmissionOfATxIdAndListTheLaterOnes() throws Exception
    {
        final CliRun text = execute("audit", "explain", journal.toString(), "9", "--config", CONFIG);
        assertEquals(0, text.code, text.text());
        assertLine(text.out, "  submitted again  2 times; only the first submission is applied (I6):");
        assertLine(text.out, "    seq 34 (entry " + commandEntry(excerpts, 34) + "): ACCEPTED OK duplicate (the " +
            "original decision, returned again)");
        assertLine(text.out, "    seq 35 (entry " + commandEntry(excerpts, 35) + "): REJECTED TX_ID_REUSED (6001)");

        final JsonNode explained = JSON.readTree(
            execute("audit", "explain", journal.toString(), "9", "--config", CONFIG, "--json").out);
        assertEquals(9, explained.get("seq").asLong());
        assertEquals(100_000_000, explained.at("/command/amount").asLong());
        assertEquals(34, explained.at("/laterSubmissions/0/seq").asLong());
        assertTrue(explained.at("/laterSubmissions/0/duplicate").asBoolean());
        assertEquals(35, explained.at("/laterSubmissions/1/seq").asLong());
        assertEquals("TX_ID_REUSED", explained.at("/laterSubmissions/1/reason").asText());
    }

    @Test
    void shouldExplainARejectionWithItsAlertAndNothingChanged() throws Exception
    {
        final JsonNode explained = JSON.readTree(
            execute("audit", "explain", journal.toString(), "27", "--config", CONFIG, "--json").out);

        assertEquals("REJECTED", explained.at("/decision/status").asText());
        assertEquals("RESERVE_COVER_EXCEEDED", explained.at("/decision/reason").asText());
        assertEquals(3001, explained.at("/decision/code").asInt());
        assertEquals("RESERVE_COVER_BREACH", explained.at("/alerts/0/type").asText());
        assertEquals(5_000_000_000L, explained.at("/alerts/0/figures/amount").asLong());
        assertEquals(explained.at("/assets/0/before"), explained.at("/assets/0/after"));
        assertEquals(explained.at("/accounts/0/before"), explained.at("/accounts/0/after"));
    }

    @Test
    void shouldFailOnAnUnknownTxIdAndRequireTheConfiguration()
    {
        final CliRun unknown = execute("audit", "explain", journal.toString(), "999", "--config", CONFIG);
        assertEquals(1, unknown.code, unknown.text());
        assertContains(unknown.err, "txId=999 is not in journal " + journal + " (36 commands searched");

        final CliRun noConfig = execute("audit", "explain", journal.toString(), "13");
        assertEquals(2, noConfig.code, noConfig.text());
        assertContains(noConfig.err, "--config");
    }

    // ---------------------------------------------------------------------------------------------------------------
    // report
    // ---------------------------------------------------------------------------------------------------------------

    @Test
    void shouldReportTheReservesAtTheJournalsEnd() throws Exception
    {
        final CliRun result = execute("audit", "report", journal.toString(), "--config", CONFIG);

        assertEquals(0, result.code, result.text());
        final JsonNode report = JSON.readTree(result.out);
        assertEquals(LAST_SEQ, report.get("seq").asLong());
        assertEquals(written.stateHashHex, report.get("stateHash").asText());
        assertEquals("hold", report.get("invariants").asText());
        assertReserves(report, written.engine);
    }

    @Test
    void shouldReportTheReservesAtAnEarlierSeqAsAReplayToItHasThem() throws Exception
    {
        // The first 15 lines of the examples are the commands of seq 1..15.
        final Path first15 = temp.resolve("first15.jsonl");
        Files.write(first15, Files.readAllLines(EXAMPLE_COMMANDS).subList(0, 15));
        final Replay replay = new Replay(ConfigLoader.load(EXAMPLE_CONFIG));
        try (InputStream in = Files.newInputStream(first15))
        {
            assertEquals(15, replay.run(in, new StringWriter(), null).sequenced());
        }

        final CliRun result = execute("audit", "report", journal.toString(), "--config", CONFIG, "--at", "15");

        assertEquals(0, result.code, result.text());
        final JsonNode report = JSON.readTree(result.out);
        assertEquals(15, report.get("seq").asLong());
        assertEquals(chainHex(excerpts.get(commandEntry(excerpts, 15))), report.get("chainHead").asText());
        assertEquals(replay.engine().stateHash().hex(), report.get("stateHash").asText());
        assertReserves(report, replay.engine());
    }

    @Test
    void shouldWriteTheReportAsCsvWithAHeaderRow() throws Exception
    {
        final Path csv = temp.resolve("report.csv");

        final CliRun result = execute("audit", "report", journal.toString(), "--config", CONFIG, "--format", "csv",
            "--out", csv.toString());

        assertEquals(0, result.code, result.text());
        assertEquals("", result.out);
        final List<String> lines = Files.readAllLines(csv, StandardCharsets.US_ASCII);
        assertEquals(List.of(
            "seq,asset,row,walletId,kind,attested,expected,pending,attestedAt,holdings,obligations,held,headroom," +
                "coverageBps,coverage,status",
            "36,BTC,wallet,1,HOT,580000000,580000000,0,2026-01-01T00:00:29Z,580000000,,,,,,",
            "36,BTC,wallet,2,COLD,4000000000,4000000000,0,2026-01-01T00:00:01Z,4000000000,,,,,,",
            "36,BTC,asset,,,4580000000,4580000000,0,,4580000000,85000000,0,4495000000,538823,53.8823,NORMAL",
            "36,KRW,wallet,3,BANK,50000000000,50020000000,0,2026-01-01T00:00:01Z,50020000000,,,,,,",
            "36,KRW,asset,,,50000000000,50020000000,0,,50020000000,19999500,0,50000000500,25010625,2501.0625,NORMAL"),
            lines);
        final GuardEngine engine = written.engine;
        assertEquals(85_000_000, engine.obligations(0), "the CSV's BTC obligations are the guard's");
        assertEquals(19_999_500, engine.obligations(1), "the CSV's KRW obligations are the guard's");
    }

    @Test
    void shouldRefuseAnAtBeyondTheJournalOrAnUnknownFormat()
    {
        final CliRun beyond = execute("audit", "report", journal.toString(), "--config", CONFIG, "--at", "37");
        assertEquals(2, beyond.code, beyond.text());
        assertContains(beyond.err, "--at 37 is beyond journal " + journal + ", whose last command is seq=36");

        final CliRun format = execute("audit", "report", journal.toString(), "--config", CONFIG, "--format", "xml");
        assertEquals(2, format.code, format.text());
        assertContains(format.err, "--format must be json or csv, was xml");
    }

    // ---------------------------------------------------------------------------------------------------------------
    // dump
    // ---------------------------------------------------------------------------------------------------------------

    @Test
    void shouldDumpOneLinePerEntry()
    {
        final CliRun result = execute("audit", "dump", journal.toString(), "--config", CONFIG);

        assertEquals(0, result.code, result.text());
        final List<String> lines = result.out.lines().toList();
        assertEquals(excerpts.size(), lines.size(), result.out);
        for (int i = 0; i < lines.size(); i++)
        {
            assertTrue(lines.get(i).startsWith(String.format("entry %-6d ", i)), lines.get(i));
        }
        assertTrue(lines.get(0).contains("HEADER     ledger-guard journal formatVersion="), lines.get(0));
        assertTrue(lines.get(commandEntry(excerpts, 15)).contains("COMMAND    seq=15 2026-01-01T00:00:07Z BATCH " +
            "txId=15 [TRANSFER txId=16 holdId=77 debitAccountId=1001 creditAccountId=1002 asset=BTC amount=1000000; "),
            lines.get(commandEntry(excerpts, 15)));
        assertTrue(lines.get(commandEntry(excerpts, 15)).endsWith(
            "=> ACCEPTED OK linked=[16 OK, 17 OK, 18 OK] alerts=none"), lines.get(commandEntry(excerpts, 15)));
        assertTrue(lines.get(commandEntry(excerpts, 24)).endsWith("=> REJECTED RESERVE_COVER_EXCEEDED (3001) " +
            "alerts=[RESERVE_COVER_BREACH scope=ASSET asset=BTC txId=27 holdings=4580000000 obligations=5080000000 " +
            "amount=5000000000 reserveBuffer=0]"), lines.get(commandEntry(excerpts, 24)));
        final int checkpoint = checkpointEntries(excerpts).get(0);
        assertTrue(lines.get(checkpoint).contains("CHECKPOINT seq=10 stateHash="), lines.get(checkpoint));
        assertTrue(lines.get(checkpoint).endsWith(" chainHead=" + chainHex(excerpts.get(commandEntry(excerpts, 10)))),
            lines.get(checkpoint));
    }

    @Test
    void shouldDumpFromASeqWithALimit()
    {
        final CliRun result = execute("audit", "dump", journal.toString(), "--from", "20", "--limit", "4");

        assertEquals(0, result.code, result.text());
        final List<String> lines = result.out.lines().toList();
        assertEquals(4, lines.size(), result.out);
        final int first = commandEntry(excerpts, 20);
        for (int i = 0; i < 4; i++)
        {
            assertTrue(lines.get(i).startsWith(String.format("entry %-6d ", first + i)), lines.get(i));
        }
        assertTrue(lines.get(0).contains("seq=20 "), lines.get(0));
        assertTrue(lines.get(1).contains("WITHDRAW txId=24 holdId=81 accountId=1001 walletId=1 assetId=1 "),
            "no configuration, no asset codes: " + lines.get(1));

        final CliRun beyond = execute("audit", "dump", journal.toString(), "--from", "37");
        assertEquals(2, beyond.code, beyond.text());
        assertContains(beyond.err, "--from 37 is beyond journal " + journal + ", whose last command is seq=36");
    }

    @Test
    void shouldDumpTheEntriesBeforeABadOneAndFailThere()
    {
        final int index = commandEntry(excerpts, 13);
        AuditJournals.flipByte(journal, excerpts.get(index), JournalEntryDescriptor.BODY_OFFSET);

        final CliRun result = execute("audit", "dump", journal.toString());

        assertEquals(1, result.code, result.text());
        assertEquals(index, result.out.lines().count(), result.out);
        assertContains(result.err, "journal " + journal + " FAILED at entry " + index + ": chain mismatch");
    }

    // ---------------------------------------------------------------------------------------------------------------
    // help
    // ---------------------------------------------------------------------------------------------------------------

    @Test
    void shouldDocumentEverySubcommand()
    {
        final CliRun audit = execute("audit", "--help");
        assertEquals(0, audit.code, audit.text());
        for (final String subcommand : new String[] {"verify", "explain", "report", "dump"})
        {
            assertTrue(Pattern.compile("(?m)^  " + subcommand + " ").matcher(audit.out).find(), audit.out);
            final CliRun help = execute("audit", subcommand, "--help");
            assertEquals(0, help.code, help.text());
            assertTrue(help.out.startsWith("Usage: ledger-guard audit " + subcommand), help.out);
            assertContains(help.out, "Exit codes:");
        }
        assertEquals(2, execute("audit").code, "no subcommand is a usage error");
    }

    // ---------------------------------------------------------------------------------------------------------------
    // helpers
    // ---------------------------------------------------------------------------------------------------------------

    private void assertReserves(final JsonNode report, final GuardEngine engine)
    {
        assertEquals(engine.assetCount(), report.get("assets").size());
        for (int a = 0; a < engine.assetCount(); a++)
        {
            final JsonNode asset = report.get("assets").get(a);
            assertEquals(engine.assetCode(a), asset.get("asset").asText());
            long expectedSum = 0;
            int wallet = 0;
            for (int w = 0; w < engine.walletCount(); w++)
            {
                if (engine.walletAssetIndex(w) != a)
                {
                    continue;
                }
                final JsonNode row = asset.get("wallets").get(wallet++);
                assertEquals(engine.walletId(w), row.get("walletId").asLong());
                assertEquals(engine.walletKind(w).name(), row.get("kind").asText());
                assertEquals(engine.walletAttested(w), row.get("attested").asLong());
                assertEquals(engine.walletExpected(w), row.get("expected").asLong());
                expectedSum += engine.walletExpected(w);
            }
            assertEquals(wallet, asset.get("wallets").size());
            final long holdings = asset.get("holdings").asLong();
            final long obligations = asset.get("obligations").asLong();
            assertEquals(expectedSum, holdings, "holdings are the sum of the wallets' expected holdings");
            assertEquals(engine.holdings(a), holdings);
            assertEquals(engine.obligations(a), obligations);
            assertEquals(holdings - obligations, asset.get("headroom").asLong());
            final long bps = Coverage.bps(holdings, obligations);
            if (bps < 0)
            {
                assertTrue(asset.get("coverageBps").isNull());
            }
            else
            {
                assertEquals(bps, asset.get("coverageBps").asLong());
                assertEquals(bps / 10_000.0, asset.get("coverage").asDouble(), 1e-9);
            }
            assertEquals(engine.assetStatus(a).name(), asset.get("status").asText());
        }
    }

    private static long lastSeq(final List<byte[]> excerpts)
    {
        long lastSeq = 0;
        for (int i = 1; i < excerpts.size(); i++)
        {
            if (AuditJournals.kind(excerpts.get(i)) == JournalEntryDescriptor.KIND_COMMAND)
            {
                lastSeq = AuditJournals.seq(excerpts.get(i));
            }
        }
        return lastSeq;
    }

    private Path forge(final List<byte[]> forged)
    {
        final Path directory = temp.resolve("forged");
        AuditJournals.writeRawExcerpts(directory, forged);
        return directory;
    }

    private static List<byte[]> copy(final List<byte[]> excerpts)
    {
        final List<byte[]> copy = new ArrayList<>();
        for (final byte[] excerpt : excerpts)
        {
            copy.add(excerpt.clone());
        }
        return copy;
    }

    private static void assertContains(final String text, final String expected)
    {
        assertTrue(text.contains(expected), "expected <" + expected + "> in:\n" + text);
    }

    private static void assertLine(final String text, final String line)
    {
        assertTrue(text.lines().anyMatch(line::equals), "expected the line <" + line + "> in:\n" + text);
    }

    /**
     * A row of an explanation's table: a label and its columns, however they are aligned.
     */
    private static void assertRow(final String text, final String label, final String... columns)
    {
        final StringBuilder regex = new StringBuilder("^\\s+").append(Pattern.quote(label));
        for (final String column : columns)
        {
            regex.append("\\s+").append(Pattern.quote(column));
        }
        regex.append('$');
        assertTrue(Pattern.compile(regex.toString(), Pattern.MULTILINE).matcher(text).find(),
            "expected a row " + label + " " + String.join(" ", columns) + " in:\n" + text);
    }

    private static CliRun execute(final String... args)
    {
        return CliRun.execute(args);
    }
}
