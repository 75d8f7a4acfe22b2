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

        final List<Path> files = report.write(temp.resolve("incidents"));
        assertEquals(List.of(temp.resolve("incidents").resolve("incident-10-asset-BTC.json")), files);
        assertEquals(incident.toString(), new ObjectMapper().readTree(files.get(0).toFile()).toString());
    }
}
