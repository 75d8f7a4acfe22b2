package io.ledgerguard.demo;

import java.io.ByteArrayOutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.Test;

import io.ledgerguard.core.Reason;
import io.ledgerguard.core.pipeline.WaitStrategyKind;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The demo's simulated exchange, run small through the real pipeline, stops every phantom credit of the injected
 * payout for the rule meant to stop it, keeps the invariants, and reports it all as text and as JSON.
 */
class ExchangeSimulationTest
{
    @Test
    void shouldStopThePhantomPayoutAndKeepTheInvariants() throws Exception
    {
        final DemoReport report = new ExchangeSimulation(7, 1_000, 2, 3_000, WaitStrategyKind.BLOCKING, 256).run();

        assertEquals("hold", report.invariants());
        assertEquals(0, report.phantomCreditedSatoshi(), "no phantom BTC reached any account");
        assertEquals(1, report.count(Reason.CREDIT_CAP_EXCEEDED), "the 620,000 BTC top-up hit the sanity cap");
        assertEquals(ExchangeSimulation.PAYOUT_RECIPIENTS, report.count(Reason.RESERVE_COVER_EXCEEDED),
            "every promotional credit beyond holdings was refused for cover");
        assertTrue(report.count(Reason.INSUFFICIENT_AVAILABLE) >= ExchangeSimulation.PAYOUT_RECIPIENTS,
            "the won-funded pool could not pay out BTC");
        assertTrue(report.count(Reason.OK) > 10_000, "the exchange traded");
        assertTrue(report.healthy());

        final ByteArrayOutputStream text = new ByteArrayOutputStream();
        report.printText(new PrintStream(text, true, StandardCharsets.UTF_8));
        final String printed = text.toString(StandardCharsets.UTF_8);
        assertTrue(printed.contains("phantom BTC credited to anyone: 0.00000000"), printed);
        assertTrue(printed.contains("p99.9"), printed);

        final ByteArrayOutputStream json = new ByteArrayOutputStream();
        report.printJson(new PrintStream(json, true, StandardCharsets.UTF_8));
        final JsonNode root = new ObjectMapper().readTree(json.toString(StandardCharsets.UTF_8));
        assertEquals(0, root.path("incident").path("phantomCreditedSatoshi").asLong(-1));
        assertEquals(3, root.path("incident").path("steps").size());
        assertEquals(ExchangeSimulation.PAYOUT_RECIPIENTS,
            root.path("incident").path("steps").get(1).path("rejected").path("RESERVE_COVER_EXCEEDED").asLong());
        assertEquals(root.path("sequenced").asLong(), root.path("journaled").asLong());
        assertTrue(root.path("latencyNs").path("p99").asLong() > 0);
        assertEquals(4, root.path("assets").size());
    }

    @Test
    void shouldRunTheSameExchangeThroughTheSidecarGateway() throws Exception
    {
        final ByteArrayOutputStream live = new ByteArrayOutputStream();
        final DemoReport report = new ExchangeSimulation(7, 1_000, 2, 3_000, WaitStrategyKind.BLOCKING, 256)
            .viaGateway(new PrintWriter(new OutputStreamWriter(live, StandardCharsets.UTF_8), true))
            .run();

        assertEquals("hold", report.invariants());
        assertEquals(0, report.phantomCreditedSatoshi(), "no phantom BTC reached any account through the gateway");
        assertEquals(1, report.count(Reason.CREDIT_CAP_EXCEEDED));
        assertEquals(ExchangeSimulation.PAYOUT_RECIPIENTS, report.count(Reason.RESERVE_COVER_EXCEEDED));
        assertTrue(report.count(Reason.OK) > 10_000, "the exchange traded");
        assertTrue(live.toString(StandardCharsets.UTF_8).contains("every simulated service is its client"));
    }
}
