package io.ledgerguard.audit;

import java.io.InputStream;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.ledgerguard.config.ConfigLoader;
import io.ledgerguard.core.GuardConfig;
import io.ledgerguard.journal.ChronicleJournal;
import io.ledgerguard.journal.ChronicleJournalContext;
import io.ledgerguard.replay.Replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Incident records read from a journal: the hot-wallet drain scenario from its first anomaly to its release.
 */
class IncidentReportTest
{
    @TempDir
    Path temp;

    @Test
    void shouldRecordTheDrainFromFirstAnomalyToReleaseWithEveryRejectionItCaused() throws Exception
    {
        final GuardConfig config = ConfigLoader.load(Path.of("..", "examples", "config.yaml"));
        final Path journal = temp.resolve("journal");
        try (ChronicleJournal chronicle = new ChronicleJournal(new ChronicleJournalContext().directory(journal));
             InputStream commands = Files.newInputStream(Path.of("..", "examples", "scenarios",
                 "hot-wallet-drain.jsonl")))
        {
            new Replay(config).journal(chronicle).run(commands, new StringWriter(), new StringWriter());
        }

        final IncidentReport report = new IncidentReport(journal, config);
        final List<ObjectNode> incidents = report.incidents();

        assertEquals(1, incidents.size());
        final JsonNode incident = incidents.get(0);
        assertEquals("ASSET", incident.get("scope").asText());
        assertEquals("BTC", incident.get("asset").asText());
        assertEquals("CUSTODY_DRIFT", incident.get("cause").asText());
        assertTrue(incident.get("outflowsOnly").asBoolean());
        assertEquals(10, incident.get("firstAnomaly").get("seq").asLong());
        assertEquals(5_900_000_000L, incident.get("firstAnomaly").get("alert").get("figures").get("expected").asLong());
        assertEquals(10, incident.get("engaged").get("seq").asLong());
        assertEquals("ATTEST", incident.get("engaged").get("command").get("type").asText());
        // The drift at seq 10, and the further drift at seq 14 while it held.
        assertEquals(2, incident.get("anomalies").size());
        assertEquals(14, incident.get("anomalies").get(1).get("seq").asLong());
        assertEquals(2, incident.get("rejectionCount").asLong());
        assertEquals(List.of(11L, 12L), List.of(incident.get("rejections").get(0).get("seq").asLong(),
            incident.get("rejections").get(1).get("seq").asLong()));
        assertEquals("ASSET_HALTED", incident.get("rejections").get(0).get("reason").asText());
        assertEquals(15, incident.get("released").get("seq").asLong());
        assertEquals(14_000, incident.get("released").get("heldMs").asLong());

        final List<Path> files = IncidentReport.write(report.incidents(), temp.resolve("incidents"));
        assertEquals(List.of(temp.resolve("incidents").resolve("incident-10-asset-BTC-outflows.json")), files);
        assertEquals(incident.toString(), new ObjectMapper().readTree(files.get(0).toFile()).toString());
    }

    /**
     * Issue 17: the page per incident, to print for the regulator: its summary, then the timeline in sequence order
     * (the engagement, each rejection, the further drift, the release), every value escaped; and an index linking it.
     */
    @Test
    void shouldWriteAPageToPrintPerIncidentWithItsTimelineInSequenceOrder() throws Exception
    {
        final GuardConfig config = ConfigLoader.load(Path.of("..", "examples", "config.yaml"));
        final Path journal = temp.resolve("journal <&>");
        try (ChronicleJournal chronicle = new ChronicleJournal(new ChronicleJournalContext().directory(journal));
             InputStream commands = Files.newInputStream(Path.of("..", "examples", "scenarios",
                 "hot-wallet-drain.jsonl")))
        {
            new Replay(config).journal(chronicle).run(commands, new StringWriter(), new StringWriter());
        }
        final List<ObjectNode> incidents = new IncidentReport(journal, config).incidents();

        final Path pages = temp.resolve("pages");
        final List<Path> files = IncidentPage.write(incidents, journal, pages);

        assertEquals(List.of(pages.resolve("incident-10-asset-BTC-outflows.html"), pages.resolve("index.html")), files);
        final String page = Files.readString(files.get(0));
        assertTrue(page.contains("<title>Incident: ASSET BTC outflows kill switch, CUSTODY_DRIFT</title>"), page);
        assertTrue(page.contains("journal &lt;&amp;&gt;"), "the journal's name, escaped");
        assertFalse(page.contains("journal <&>"), "nothing from the journal unescaped");
        assertFalse(page.contains("<script"), "a page to print runs nothing");
        assertTrue(page.contains("<th>released</th><td>seq 15 at 2026-01-01T00:00:20Z, after 14.0 s</td>"), page);
        assertTrue(page.contains("<th>rejected while it held</th><td>2</td>"), page);
        final List<String> events = new java.util.ArrayList<>();
        final java.util.regex.Matcher row = java.util.regex.Pattern
            .compile("<tr class=\"(\\w+)\"><td>(\\d+)</td>").matcher(page);
        while (row.find())
        {
            events.add(row.group(2) + " " + row.group(1));
        }
        assertEquals(List.of("10 engaged", "11 holds", "12 holds", "14 anomaly", "15 released"), events);
        assertTrue(page.contains("<b>WITHDRAW</b> txId=11 holdId=502 accountId=1001 walletId=1 asset=BTC " +
            "amount=100000000"), page);
        assertTrue(page.contains("figures: {attested=4000000000 expected=4100000000 tolerance=0}"), page);

        final String index = Files.readString(files.get(1));
        assertTrue(index.contains("<a href=\"incident-10-asset-BTC-outflows.html\">"), index);
        assertTrue(index.contains("<td>CUSTODY_DRIFT</td>"), index);
    }

    /**
     * One attestation that both drifts and breaches cover engages two switches, the asset's and its outflows': two
     * incidents, each in a file and a page of its own.
     */
    @Test
    void shouldWriteTwoSwitchesEngagedByOneCommandToTwoFiles() throws Exception
    {
        final GuardConfig config = ConfigLoader.load(Path.of("..", "examples", "config.yaml"));
        final Path journal = temp.resolve("both");
        final String commands = String.join("\n",
            "{\"type\":\"OPEN_ACCOUNT\",\"txId\":1,\"atMs\":1767225600000,\"accountId\":1001,\"kind\":\"CUSTOMER\"}",
            "{\"type\":\"ATTEST\",\"txId\":2,\"atMs\":1767225600000,\"walletId\":1,\"asset\":\"BTC\",\"balance\":0}",
            "{\"type\":\"ATTEST\",\"txId\":3,\"atMs\":1767225600000,\"walletId\":2,\"asset\":\"BTC\",\"balance\":0}",
            "{\"type\":\"INFLOW\",\"txId\":4,\"atMs\":1767225601000,\"walletId\":1,\"asset\":\"BTC\"," +
                "\"amount\":1000000000,\"chainRef\":\"btc:1\"}",
            "{\"type\":\"DEPOSIT\",\"txId\":5,\"atMs\":1767225602000,\"accountId\":1001,\"asset\":\"BTC\"," +
                "\"amount\":1000000000,\"chainRef\":\"btc:1\"}",
            "{\"type\":\"ATTEST\",\"txId\":6,\"atMs\":1767225603000,\"walletId\":1,\"asset\":\"BTC\"," +
                "\"balance\":200000000}") + "\n";
        try (ChronicleJournal chronicle = new ChronicleJournal(new ChronicleJournalContext().directory(journal)))
        {
            new Replay(config).journal(chronicle).run(new java.io.ByteArrayInputStream(commands.getBytes(
                java.nio.charset.StandardCharsets.UTF_8)), new StringWriter(), new StringWriter());
        }
        final List<ObjectNode> incidents = new IncidentReport(journal, config).incidents();
        assertEquals(2, incidents.size(), IncidentReport.toJson(incidents));

        final List<Path> files = IncidentReport.write(incidents, temp.resolve("both-json"));
        final List<Path> pages = IncidentPage.write(incidents, journal, temp.resolve("both-html"));

        assertEquals(java.util.Set.of("incident-6-asset-BTC.json", "incident-6-asset-BTC-outflows.json"),
            java.util.Set.of(files.get(0).getFileName().toString(), files.get(1).getFileName().toString()));
        assertEquals(3, pages.size(), "two pages and the index");
        assertTrue(Files.readString(temp.resolve("both-html").resolve("incident-6-asset-BTC.html"))
            .contains("<title>Incident: ASSET BTC kill switch, COVER_BREACH</title>"));
        assertTrue(Files.readString(temp.resolve("both-html").resolve("incident-6-asset-BTC-outflows.html"))
            .contains("<title>Incident: ASSET BTC outflows kill switch, CUSTODY_DRIFT</title>"));
    }
}
