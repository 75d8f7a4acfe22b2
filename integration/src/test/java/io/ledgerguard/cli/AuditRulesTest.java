package io.ledgerguard.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.ledgerguard.audit.AuditJournals;
import io.ledgerguard.core.CommandCodec;
import io.ledgerguard.core.Reason;
import io.ledgerguard.journal.Genesis;
import io.ledgerguard.journal.JournalEntryDescriptor;

import static io.ledgerguard.audit.AuditJournals.EXAMPLE_COMMANDS;
import static io.ledgerguard.audit.AuditJournals.EXAMPLE_CONFIG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The audit tools know the rules in force (SPEC §13): a journal written by {@code replay --journal} holds its genesis
 * and, here, twenty accepted rule changes (CONFIGURE commands signed by two of three approvers) among the example
 * commands, one of which makes a later deposit exceed the credit cap, and one refused change. {@code audit verify}
 * replays it from its genesis without a configuration file, and under another file still takes the journal's rules,
 * reproducing every decision and the state hash, and lists what the file differs in; {@code explain} names the
 * version of the rules that decided a command and shows a change; {@code report} and {@code incidents} list the
 * changes in their window; {@code dump} shows the genesis (one of several entries too) and a change's settings. A
 * journal begun before rules were journaled still needs {@code --config} where a replay or asset codes are needed.
 */
class AuditRulesTest
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long CHANGES = 20;
    /** The txId of the first change: the changes follow, one txId each, the refused one among them. */
    private static final long FIRST_CHANGE_TX_ID = 1000;
    /** The change of two settings. */
    private static final long TWO_SETTINGS_TX_ID = 1008;
    /** The change the guard refuses: an asset's id is fixed. */
    private static final long REFUSED_TX_ID = 1009;
    /** The change made while BTC was halted (the example's manual HALT, txId 35, released by RESUME, txId 37). */
    private static final long DURING_HALT_TX_ID = 1018;

    @TempDir
    static Path temp;

    private static Path config;
    private static Path other;
    private static Path journal;
    private static String stateHash;
    private static long sequenced;
    /** The seq of each txId's first submission, from the replay's decisions. */
    private static final Map<Long, Long> SEQ_OF = new HashMap<>();
    private static final Map<Long, String> REASON_OF = new HashMap<>();

    @BeforeAll
    static void writeJournalWithRuleChanges() throws IOException
    {
        config = temp.resolve("guard.yaml");
        final StringBuilder keys = new StringBuilder("keys:\n");
        for (final String id : List.of("alice", "bob", "carol"))
        {
            final CliRun generated = execute("keys", "generate", "--id", id, "--out",
                temp.resolve(id + ".key").toString());
            assertEquals(0, generated.code, generated.text());
            keys.append("  ").append(generated.out.lines().filter(l -> l.startsWith("- ")).findFirst().orElseThrow())
                .append('\n');
        }
        final String yaml = Files.readString(EXAMPLE_CONFIG) + "\n" + keys +
            "approvals:\n  CONFIGURE: { required: 2, keys: [alice, bob, carol] }\n";
        Files.writeString(config, yaml);
        other = temp.resolve("other.yaml");
        // Larger tables, a BTC tolerance and a KRW credit cap of its own: none of it applies to the journal.
        String otherYaml = replaceOnce(yaml, "accountsMax: 10000,", "accountsMax: 20000,");
        otherYaml = replaceOnce(otherYaml, "breachToleranceMinorUnits: 0 ", "breachToleranceMinorUnits: 5 ");
        otherYaml = replaceOnce(otherYaml, "creditCapMinorUnits: 100000000 ", "creditCapMinorUnits: 300000000 ");
        Files.writeString(other, otherYaml);

        final Path commands = temp.resolve("commands.jsonl");
        Files.write(commands, commandsWithChanges(), StandardCharsets.UTF_8);
        journal = temp.resolve("journal");
        final Path decisions = temp.resolve("decisions.jsonl");
        final CliRun replay = execute("replay", "--config", config.toString(), "--commands", commands.toString(),
            "--journal", journal.toString(), "--decisions", decisions.toString());
        assertEquals(0, replay.code, replay.text());
        final Matcher hash = Pattern.compile("stateHash=([0-9a-f]{64})").matcher(replay.text());
        assertTrue(hash.find(), replay.text());
        stateHash = hash.group(1);
        for (final String line : Files.readAllLines(decisions))
        {
            final JsonNode decision = JSON.readTree(line);
            if (!decision.has("seq"))
            {
                // The examples' malformed line: answered, never sequenced.
                continue;
            }
            SEQ_OF.putIfAbsent(decision.get("txId").asLong(), decision.get("seq").asLong());
            REASON_OF.putIfAbsent(decision.get("txId").asLong(), decision.get("reason").asText());
            sequenced++;
        }
        for (long txId = FIRST_CHANGE_TX_ID; txId <= FIRST_CHANGE_TX_ID + CHANGES; txId++)
        {
            assertEquals(txId == REFUSED_TX_ID ? "CONFIGURATION_INVALID" : "OK", REASON_OF.get(txId), "txId=" + txId);
        }
        assertEquals("CREDIT_CAP_EXCEEDED", REASON_OF.get(9L), "the cap lowered by the first change decides it");
    }

    /**
     * The example commands with a CONFIGURE line after some of them, at the same time, each signed by two approvers.
     */
    private static List<String> commandsWithChanges() throws IOException
    {
        final Map<Integer, String> after = new LinkedHashMap<>();
        after.put(8, "{\"assets.BTC.creditCapMinorUnits\":1000}");
        after.put(9, "{\"assets.BTC.creditCapMinorUnits\":10000000000}");
        after.put(10, "{\"wallets.1.driftToleranceMinorUnits\":1}");
        after.put(11, "{\"wallets.2.driftToleranceMinorUnits\":1}");
        after.put(12, "{\"wallets.3.driftToleranceMinorUnits\":1}");
        after.put(13, "{\"assets.BTC.attestationAgeMsMax\":120000}");
        after.put(14, "{\"assets.KRW.attestationAgeMsMax\":120000}");
        after.put(15, "{\"wallets.1.driftToleranceMinorUnits\":2}");
        after.put(16, "{\"assets.KRW.creditCapMinorUnits\":200000000,\"wallets.3.driftToleranceMinorUnits\":10}");
        after.put(17, "{\"assets.BTC.id\":5}");
        after.put(18, "{\"wallets.2.driftToleranceMinorUnits\":2}");
        after.put(19, "{\"wallets.1.driftToleranceMinorUnits\":3}");
        after.put(20, "{\"assets.BTC.attestationAgeMsMax\":180000}");
        after.put(21, "{\"assets.KRW.attestationAgeMsMax\":180000}");
        after.put(22, "{\"wallets.3.driftToleranceMinorUnits\":20}");
        after.put(25, "{\"wallets.2.driftToleranceMinorUnits\":3}");
        after.put(28, "{\"wallets.1.driftToleranceMinorUnits\":4}");
        after.put(30, "{\"assets.KRW.reserveBufferMinorUnits\":1000}");
        after.put(33, "{\"assets.BTC.hotShareBpsMax\":2500}");
        after.put(34, "{\"wallets.1.driftToleranceMinorUnits\":5}");
        after.put(36, "{\"assets.BTC.attestationAgeMsMax\":240000}");
        final List<String> examples = Files.readAllLines(EXAMPLE_COMMANDS);
        final List<String> lines = new ArrayList<>();
        long txId = FIRST_CHANGE_TX_ID;
        long atMs = 0;
        for (int i = 1; i <= examples.size(); i++)
        {
            final String line = examples.get(i - 1);
            lines.add(line);
            try
            {
                atMs = JSON.readTree(line).path("atMs").asLong(atMs);
            }
            catch (final IOException ex)
            {
                // The examples' malformed line: keep the time before it.
            }
            if (after.containsKey(i))
            {
                final String change = "{\"type\":\"CONFIGURE\",\"txId\":" + txId++ + ",\"atMs\":" + atMs +
                    ",\"settings\":" + after.get(i) + "}";
                lines.add(sign("bob", sign("alice", change)));
            }
        }
        assertEquals(CHANGES + 1, txId - FIRST_CHANGE_TX_ID);
        return lines;
    }

    private static String sign(final String keyId, final String line)
    {
        final CliRun signed = execute("keys", "sign", "--key", temp.resolve(keyId + ".key").toString(), "--config",
            config.toString(), "--command", line);
        assertEquals(0, signed.code, signed.text());
        return signed.out.strip();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // verify
    // ---------------------------------------------------------------------------------------------------------------

    @Test
    void shouldReplayAJournalFromItsGenesisWithoutAConfigurationFile()
    {
        final CliRun result = execute("audit", "verify", journal.toString());

        assertEquals(0, result.code, result.text());
        assertContains(result.out, "entries       " + (2 + sequenced) + ": the header, 1 of genesis rules, " +
            sequenced + " commands, 0 checkpoints");
        assertLine(result.out, "  rules         the journal's genesis, 20 changes (the last at seq " +
            SEQ_OF.get(FIRST_CHANGE_TX_ID + CHANGES) + "); tables sized as the journal was begun with");
        assertLine(result.out, "  replay        " + sequenced + " decisions equal to the recorded ones; 0 checkpoint " +
            "state hashes equal; invariants hold");
        assertLine(result.out, "  state hash    " + stateHash);
        assertFalse(result.out.contains("config file"), result.out);
    }

    @Test
    void shouldReplayUnderTheJournalsRulesWhateverTheFileAndListWhatTheFileDiffersIn()
    {
        final CliRun result = execute("audit", "verify", journal.toString(), "--config", other.toString());

        assertEquals(0, result.code, result.text());
        assertLine(result.out, "  rules         the journal's genesis, 20 changes (the last at seq " +
            SEQ_OF.get(FIRST_CHANGE_TX_ID + CHANGES) + "); tables sized from --config " + other);
        assertLine(result.out, "  config file   --config " + other + " differs from the rules in force at the end in " +
            "9 settings, reported and not applied (the journal is the authority); in force -> file:");
        for (final String difference : List.of("assets.BTC.attestationAgeMsMax: 240000 -> 60000",
            "assets.BTC.breachToleranceMinorUnits: 0 -> 5", "assets.BTC.hotShareBpsMax: 2500 -> 2000",
            "assets.KRW.attestationAgeMsMax: 180000 -> 60000", "assets.KRW.creditCapMinorUnits: 200000000 -> 300000000",
            "assets.KRW.reserveBufferMinorUnits: 1000 -> 0", "wallets.1.driftToleranceMinorUnits: 5 -> 0",
            "wallets.2.driftToleranceMinorUnits: 3 -> 0", "wallets.3.driftToleranceMinorUnits: 20 -> 0"))
        {
            assertLine(result.out, "    " + difference);
        }
        // Every decision, the credit cap's rejection among them, and the state hash, as the journal recorded them.
        assertLine(result.out, "  replay        " + sequenced + " decisions equal to the recorded ones; 0 checkpoint " +
            "state hashes equal; invariants hold");
        assertLine(result.out, "  state hash    " + stateHash);

        final CliRun same = execute("audit", "verify", journal.toString(), "--config", config.toString());
        assertEquals(0, same.code, same.text());
        assertContains(same.out, "  config file   --config " + config + " differs from the rules in force at the end " +
            "in 8 settings");
    }

    @Test
    void shouldFindADecisionForgedToWhatTheFilesRulesWouldHaveDecided()
    {
        // The file's credit cap lets txId 9 through; the journal's rules at its seq did not: record it as accepted and
        // re-seal every chain value after it.
        final List<byte[]> excerpts = new ArrayList<>();
        for (final byte[] excerpt : AuditJournals.rawExcerpts(journal))
        {
            excerpts.add(excerpt.clone());
        }
        final int index = AuditJournals.commandEntry(excerpts, SEQ_OF.get(9L));
        final ByteBuffer entry = ByteBuffer.wrap(excerpts.get(index)).order(ByteOrder.LITTLE_ENDIAN);
        final int commandLength = entry.getInt(JournalEntryDescriptor.BODY_OFFSET + CommandCodec.LENGTH_OFFSET);
        assertEquals(Reason.CREDIT_CAP_EXCEEDED.code(), entry.getShort(JournalEntryDescriptor.BODY_OFFSET +
            commandLength));
        entry.putShort(JournalEntryDescriptor.BODY_OFFSET + commandLength, (short)0);
        AuditJournals.reseal(excerpts);
        final Path forged = temp.resolve("forged-" + System.nanoTime());
        AuditJournals.writeRawExcerpts(forged, excerpts);

        final CliRun result = execute("audit", "verify", forged.toString(), "--config", other.toString());

        assertEquals(1, result.code, result.text());
        assertTrue(result.out.startsWith("verify: FAILED at entry " + index + ": the replayed decision differs " +
            "from the recorded one: seq=" + SEQ_OF.get(9L) + " txId=9: journal recorded ACCEPTED OK"), result.out);
        assertContains(result.out, "replay decided REJECTED CREDIT_CAP_EXCEEDED (3002)");
        assertContains(result.out, "(the replay took the journal's own rules, tables sized from --config " + other);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // explain
    // ---------------------------------------------------------------------------------------------------------------

    @Test
    void shouldNameTheVersionOfTheRulesThatDecidedACommand() throws Exception
    {
        final CliRun capped = execute("audit", "explain", journal.toString(), "9");
        assertEquals(0, capped.code, capped.text());
        assertLine(capped.out, "  rules         version 1: the last change at seq " + SEQ_OF.get(FIRST_CHANGE_TX_ID));
        assertLine(capped.out, "  decision      REJECTED CREDIT_CAP_EXCEEDED (3002)");

        final CliRun first = execute("audit", "explain", journal.toString(), "1");
        assertEquals(0, first.code, first.text());
        assertLine(first.out, "  rules         version 0: the genesis");

        final JsonNode resumed = JSON.readTree(execute("audit", "explain", journal.toString(), "37", "--json").out);
        assertEquals("genesis", resumed.at("/rules/source").asText());
        assertEquals(CHANGES - 2, resumed.at("/rules/version").asLong(), "the changes before the RESUME");
        assertEquals((long)SEQ_OF.get(DURING_HALT_TX_ID), resumed.at("/rules/lastChangeSeq").asLong());
        assertTrue(JSON.readTree(execute("audit", "explain", journal.toString(), "1", "--json").out)
            .at("/rules/lastChangeSeq").isNull());
    }

    @Test
    void shouldExplainAChangeOfTheRulesAndARefusedOne() throws Exception
    {
        final CliRun made = execute("audit", "explain", journal.toString(), Long.toString(TWO_SETTINGS_TX_ID),
            "--config", other.toString());
        assertEquals(0, made.code, made.text());
        assertLine(made.out, "  command       CONFIGURE txId=1008 settings={assets.KRW.creditCapMinorUnits=" +
            "200000000, wallets.3.driftToleranceMinorUnits=10}");
        assertLine(made.out, "  rules         version 8: the last change at seq " + SEQ_OF.get(TWO_SETTINGS_TX_ID - 1));
        assertLine(made.out, "  decision      ACCEPTED OK");
        assertLine(made.out, "  settings      2 to set:");
        assertLine(made.out, "    assets.KRW.creditCapMinorUnits=200000000");
        assertLine(made.out, "  change        made: rules version 9 in force from seq " +
            SEQ_OF.get(TWO_SETTINGS_TX_ID) + "; before -> after:");
        assertLine(made.out, "    assets.KRW.creditCapMinorUnits: 100000000 -> 200000000");
        assertLine(made.out, "    wallets.3.driftToleranceMinorUnits: 1 -> 10");

        final JsonNode json = JSON.readTree(execute("audit", "explain", journal.toString(),
            Long.toString(TWO_SETTINGS_TX_ID), "--json").out);
        assertEquals("200000000", json.at("/command/settings/assets.KRW.creditCapMinorUnits").asText());
        assertEquals(2, json.at("/command/approvals").size());
        assertTrue(json.at("/change/made").asBoolean());
        assertEquals(9, json.at("/change/version").asLong());
        assertEquals(2, json.at("/change/changed").size());
        assertEquals("assets.KRW.creditCapMinorUnits", json.at("/change/changed/0/setting").asText());
        assertEquals("100000000", json.at("/change/changed/0/before").asText());
        assertEquals("200000000", json.at("/change/changed/0/after").asText());

        final CliRun refused = execute("audit", "explain", journal.toString(), Long.toString(REFUSED_TX_ID));
        assertEquals(0, refused.code, refused.text());
        assertLine(refused.out, "  decision      REJECTED CONFIGURATION_INVALID (" +
            Reason.CONFIGURATION_INVALID.code() + ")");
        assertLine(refused.out, "  change        not made: the rules stay at version 9");
    }

    // ---------------------------------------------------------------------------------------------------------------
    // report, incidents
    // ---------------------------------------------------------------------------------------------------------------

    @Test
    void shouldReportTheRulesInForceAndTheChangesUpToTheReportsSeq() throws Exception
    {
        final CliRun end = execute("audit", "report", journal.toString());
        assertEquals(0, end.code, end.text());
        final JsonNode report = JSON.readTree(end.out);
        assertEquals(stateHash, report.get("stateHash").asText());
        assertEquals("genesis", report.at("/rules/source").asText());
        assertEquals(CHANGES, report.at("/rules/version").asLong());
        final List<Genesis.Change> history = Genesis.history(journal, null, Long.MAX_VALUE).changes();
        assertEquals(CHANGES, history.size());
        final JsonNode changes = report.at("/rules/changes");
        assertEquals(CHANGES, changes.size());
        for (int i = 0; i < CHANGES; i++)
        {
            assertEquals(history.get(i).seq(), changes.get(i).get("seq").asLong());
            assertEquals(history.get(i).txId(), changes.get(i).get("txId").asLong());
        }
        assertEquals(FIRST_CHANGE_TX_ID, changes.get(0).get("txId").asLong());
        assertEquals("1000", changes.get(0).at("/settings/assets.BTC.creditCapMinorUnits").asText());
        assertEquals("2026-01-01T00:00:02Z", changes.get(0).get("time").asText());

        final long at = SEQ_OF.get(TWO_SETTINGS_TX_ID);
        final JsonNode earlier = JSON.readTree(execute("audit", "report", journal.toString(), "--at",
            Long.toString(at)).out);
        assertEquals(9, earlier.at("/rules/version").asLong());
        assertEquals(at, earlier.at("/rules/lastChangeSeq").asLong());
        assertEquals(9, earlier.at("/rules/changes").size());
        assertEquals(Genesis.history(journal, null, at).changes().size(), earlier.at("/rules/changes").size());
    }

    @Test
    void shouldListTheRuleChangesInAnIncidentsWindow() throws Exception
    {
        final CliRun result = execute("audit", "incidents", journal.toString());

        assertEquals(0, result.code, result.text());
        final JsonNode incidents = JSON.readTree(result.out);
        JsonNode halt = null;
        for (final JsonNode incident : incidents)
        {
            if (incident.at("/engaged/command/txId").asLong() == 35)
            {
                halt = incident;
            }
        }
        assertTrue(halt != null, result.out);
        assertEquals("BTC", halt.get("asset").asText(), "asset codes from the genesis");
        assertEquals(37, halt.at("/released/txId").asLong());
        assertEquals(CHANGES - 3, halt.at("/rules/version").asLong(), "the changes before the HALT");
        final JsonNode changes = halt.at("/rules/changes");
        final long from = halt.get("firstAnomaly").isNull() ? halt.at("/engaged/seq").asLong() :
            halt.at("/firstAnomaly/seq").asLong();
        long expected = 0;
        for (final Genesis.Change change : Genesis.history(journal, null, Long.MAX_VALUE).changes())
        {
            expected += change.seq() >= from && change.seq() <= halt.at("/released/seq").asLong() ? 1 : 0;
        }
        assertEquals(expected, changes.size(), halt.toString());
        final JsonNode last = changes.get(changes.size() - 1);
        assertEquals(DURING_HALT_TX_ID, last.get("txId").asLong(), halt.toString());
        assertEquals("2500", last.at("/settings/assets.BTC.hotShareBpsMax").asText());

        // The same records as JSON files and as pages to print, each listed; the change during the halt on its page.
        final Path json = journal.resolveSibling("incidents-json");
        final Path html = journal.resolveSibling("incidents-html");
        final CliRun written = execute("audit", "incidents", journal.toString(), "--out", json.toString(), "--html",
            html.toString());
        assertEquals(0, written.code, written.text());
        final String page = "incident-" + halt.at("/engaged/seq").asLong() + "-asset-BTC";
        assertTrue(written.out.contains(json.resolve(page + ".json").toString()), written.out);
        assertTrue(written.out.contains(html.resolve(page + ".html").toString()), written.out);
        assertTrue(written.out.contains(html.resolve("index.html").toString()), written.out);
        assertEquals(incidents.size() + 1, written.out.strip().split("\n").length - incidents.size(), written.out);
        final String text = java.nio.file.Files.readString(html.resolve(page + ".html"));
        assertTrue(text.contains("rules changed</td><td></td><td>txId=" + DURING_HALT_TX_ID + " settings: {" +
            "assets.BTC.hotShareBpsMax=2500}"), text);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // dump
    // ---------------------------------------------------------------------------------------------------------------

    @Test
    void shouldDumpTheGenesisAndAChangesSettings()
    {
        final CliRun result = execute("audit", "dump", journal.toString(), "--limit", "12");

        assertEquals(0, result.code, result.text());
        final List<String> lines = result.out.lines().toList();
        assertEquals(12, lines.size(), result.out);
        assertTrue(Pattern.matches("entry 1      RULES      seq=0 genesis rules: \\d+ settings, \\d+ bytes: " +
            "assets=BTC,KRW wallets=1,2,3 keys=alice,bob,carol", lines.get(1)), lines.get(1));
        assertTrue(lines.get(2).startsWith("entry 2      COMMAND    seq=1 "), lines.get(2));
        assertTrue(lines.get(10).contains(" CONFIGURE txId=1000 settings={assets.BTC.creditCapMinorUnits=1000} => " +
            "ACCEPTED OK"), lines.get(10));
        assertTrue(lines.get(11).contains(" DEPOSIT txId=9 accountId=1001 asset=BTC amount=100000000 "),
            "asset codes from the genesis: " + lines.get(11));
    }

    @Test
    void shouldDumpAndReplayAGenesisOfSeveralEntries() throws IOException
    {
        // Four hundred more wallets: a genesis longer than one entry's body.
        final String walletLine = "  - { id: 3, asset: KRW, kind: BANK, driftToleranceMinorUnits: 0 }\n";
        final StringBuilder wallets = new StringBuilder(walletLine);
        for (int id = 100; id < 500; id++)
        {
            wallets.append("  - { id: ").append(id).append(", asset: BTC, kind: COLD, driftToleranceMinorUnits: 0 }\n");
        }
        final Path big = temp.resolve("big.yaml");
        Files.writeString(big, replaceOnce(Files.readString(EXAMPLE_CONFIG), walletLine, wallets.toString()));
        final Path commands = temp.resolve("first7.jsonl");
        Files.write(commands, Files.readAllLines(EXAMPLE_COMMANDS).subList(0, 7));
        final Path bigJournal = temp.resolve("big-journal");
        final CliRun replay = execute("replay", "--config", big.toString(), "--commands", commands.toString(),
            "--journal", bigJournal.toString());
        assertEquals(0, replay.code, replay.text());

        final CliRun dump = execute("audit", "dump", bigJournal.toString(), "--limit", "9");

        assertEquals(0, dump.code, dump.text());
        final List<String> rules = dump.out.lines().filter(l -> l.contains(" RULES ")).toList();
        assertTrue(rules.size() > 1, dump.out);
        for (int i = 0; i < rules.size() - 1; i++)
        {
            assertEquals(String.format("entry %-6d RULES      seq=0 genesis rules, part %d: continued in the next " +
                "entry", i + 1, i + 1), rules.get(i));
        }
        assertTrue(rules.get(rules.size() - 1).contains("genesis rules, part " + rules.size() + " of " +
            rules.size() + ": "), rules.get(rules.size() - 1));
        assertTrue(rules.get(rules.size() - 1).endsWith(" bytes: assets=BTC,KRW " +
            "wallets=1,2,3,100,101,102,103,104,105,106,...(403) keys="), rules.get(rules.size() - 1));
        assertTrue(dump.out.contains(" ATTEST txId=5 walletId=1 asset=BTC "), dump.out);

        final CliRun verified = execute("audit", "verify", bigJournal.toString());
        assertEquals(0, verified.code, verified.text());
        assertContains(verified.out, "the header, " + rules.size() + " of genesis rules, 7 commands");
        assertLine(verified.out, "  replay        7 decisions equal to the recorded ones; 0 checkpoint state hashes " +
            "equal; invariants hold");
    }

    // ---------------------------------------------------------------------------------------------------------------
    // a journal begun before rules were journaled
    // ---------------------------------------------------------------------------------------------------------------

    @Test
    void shouldStillNeedTheConfigurationForAJournalWithoutGenesis()
    {
        final Path old = temp.resolve("old-" + System.nanoTime());
        AuditJournals.writeJournal(old, EXAMPLE_CONFIG, EXAMPLE_COMMANDS, 0);
        final String missing = "journal " + old + " was begun before rules were journaled and holds no rules of its " +
            "own: give --config FILE, the configuration it was written with";

        for (final String[] args : List.of(new String[] {"explain", old.toString(), "13"},
            new String[] {"report", old.toString()}, new String[] {"incidents", old.toString()}))
        {
            final String[] audit = new String[args.length + 1];
            audit[0] = "audit";
            System.arraycopy(args, 0, audit, 1, args.length);
            final CliRun result = execute(audit);
            assertEquals(2, result.code, result.text());
            assertEquals("ledger-guard audit " + args[0] + ": " + missing, result.err.strip());
        }

        final CliRun verified = execute("audit", "verify", old.toString());
        assertEquals(0, verified.code, verified.text());
        assertLine(verified.out, "  replay        not run: the journal was begun before rules were journaled and " +
            "holds none of its own; give --config FILE to replay the decisions and state hashes");

        final CliRun replayed = execute("audit", "verify", old.toString(), "--config", EXAMPLE_CONFIG.toString());
        assertEquals(0, replayed.code, replayed.text());
        assertLine(replayed.out, "  rules         --config " + EXAMPLE_CONFIG + " (the journal was begun before " +
            "rules were journaled), no change");
        assertFalse(replayed.out.contains("config file"), replayed.out);

        final CliRun explained = execute("audit", "explain", old.toString(), "13", "--config",
            EXAMPLE_CONFIG.toString());
        assertEquals(0, explained.code, explained.text());
        assertLine(explained.out, "  rules         version 0: --config " + EXAMPLE_CONFIG + " (the journal was begun " +
            "before rules were journaled)");
        final CliRun dumped = execute("audit", "dump", old.toString(), "--limit", "3");
        assertEquals(0, dumped.code, dumped.text());
        assertNotEquals(-1, dumped.out.indexOf("COMMAND    seq=1 "), dumped.out);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // helpers
    // ---------------------------------------------------------------------------------------------------------------

    private static String replaceOnce(final String text, final String from, final String to)
    {
        assertEquals(1, text.split(Pattern.quote(from), -1).length - 1, "once: " + from);
        return text.replace(from, to);
    }

    private static void assertContains(final String text, final String expected)
    {
        assertTrue(text.contains(expected), "expected <" + expected + "> in:\n" + text);
    }

    private static void assertLine(final String text, final String line)
    {
        assertTrue(text.lines().anyMatch(line::equals), "expected the line <" + line + "> in:\n" + text);
    }

    private static CliRun execute(final String... args)
    {
        return CliRun.execute(args);
    }
}
