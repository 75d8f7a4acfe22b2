package io.ledgerguard.json;

import java.io.StringWriter;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import io.ledgerguard.core.Alert;
import io.ledgerguard.core.AlertScope;
import io.ledgerguard.core.AlertType;
import io.ledgerguard.core.GuardConfig;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * An alert's JSON line names the cluster node that published it and that node's leadership term (SPEC §10), and a
 * single guard's alert names neither.
 */
class AlertPublisherTest
{
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void shouldNameTheNodeAndTermOfAnAlertAClusterNodePublished() throws Exception
    {
        final Alert alert = sanityCap();
        alert.raisedBy(2, 7);

        final JsonNode line = publish(alert);

        assertEquals(2, line.get("node").asInt());
        assertEquals(7, line.get("term").asLong());
        assertEquals("SANITY_CAP", line.get("type").asText());
    }

    @Test
    void shouldNameNoNodeOutsideACluster() throws Exception
    {
        final JsonNode line = publish(sanityCap());

        assertFalse(line.has("node"), line.toString());
        assertFalse(line.has("term"), line.toString());
    }

    @Test
    void shouldForgetTheNodeWhenTheAlertIsSetAgain()
    {
        final Alert alert = sanityCap();
        alert.raisedBy(1, 3);
        final Alert copy = new Alert();
        copy.copyFrom(alert);
        assertEquals(1, copy.node);
        assertEquals(3, copy.term);

        alert.set(2, 2, 2, AlertType.SANITY_CAP, AlertScope.ACCOUNT, 1, 0, 1001);

        assertEquals(Alert.NO_NODE, alert.node);
        assertEquals(Alert.NO_TERM, alert.term);
    }

    private static Alert sanityCap()
    {
        final Alert alert = new Alert();
        alert.set(9, 9_000_000L, 13, AlertType.SANITY_CAP, AlertScope.ACCOUNT, 1, 0, 1001);
        alert.figure(0, 600);
        alert.figure(1, 300);
        return alert;
    }

    private static JsonNode publish(final Alert alert) throws Exception
    {
        final StringWriter out = new StringWriter();
        try (AlertPublisher publisher = new AlertPublisher(out, new GuardConfig()))
        {
            publisher.onAlert(alert);
        }
        return JSON.readTree(out.toString());
    }
}
