package io.ledgerguard.scenario;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import io.ledgerguard.config.ConfigLoader;
import io.ledgerguard.core.GuardEngine;
import io.ledgerguard.replay.Replay;
import io.ledgerguard.replay.ReplaySummary;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The incidents of SPEC §1 as command files through {@code replay}, with the example configuration: what the guard
 * decides, line by line, and the alerts that carry the figures.
 */
class ScenarioTest
{
    private static final Path CONFIG = Path.of("..", "examples", "config.yaml");
    private static final Path SCENARIOS = Path.of("..", "examples", "scenarios");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long BTC = 100_000_000L;
    private static final long T0 = 1_767_225_600_000L;

    /**
     * A hot wallet drained: attestations show a decrease no settled withdrawal explains. Outflows halt on the first
     * drifted attestation; withdrawals are rejected from then on while trading goes on; RESUME lifts it.
     */
    @Test
    void shouldHaltOutflowsOnTheFirstDriftedAttestationOfADrainedHotWallet() throws IOException
    {
        final Run run = replay(Files.newInputStream(SCENARIOS.resolve("hot-wallet-drain.jsonl")));

        assertEquals(List.of("OK", "OK", "OK", "OK", "OK", "OK", "OK", "OK",
            "OK",               // 59 BTC: 50 + 10 deposited - 1 withdrawn, explained
            "OK",               // 41 BTC: 18 gone unexplained
            "ASSET_HALTED", "ASSET_HALTED", // withdrawals from either wallet
            "OK",               // a trade still settles
            "OK", "OK", "OK"), run.reasons);
        assertEquals(List.of("CUSTODY_DRIFT", "KILL_SWITCH_ENGAGED", "CUSTODY_DRIFT", "KILL_SWITCH_RELEASED"),
            run.alertTypes());
        final JsonNode drift = run.alerts.get(0);
        assertEquals(10, drift.get("seq").asLong(), "on the first drifted attestation");
        assertEquals(41 * BTC, drift.get("figures").get("attested").asLong());
        assertEquals(59 * BTC, drift.get("figures").get("expected").asLong());
        assertEquals(3, run.alerts.get(1).get("figures").get("cause").asInt(), "custody drift");
        assertEquals(1, run.alerts.get(1).get("figures").get("outflowsOnly").asInt());
        assertEquals(14_000, run.alerts.get(3).get("figures").get("heldMs").asLong());
        assertNull(run.summary.invariantViolation());
    }

    /**
     * The custody feed stops: the asset becomes restricted at exactly the configured age, and normal again once every
     * wallet is attested afresh.
     */
    @Test
    void shouldRestrictAtExactlyTheConfiguredAgeWhenTheFeedStops() throws IOException
    {
        final Run run = replay(Files.newInputStream(SCENARIOS.resolve("stale-feed.jsonl")));

        assertEquals(List.of("OK", "OK", "OK", "OK", "OK",
            "OK",               // at exactly attestationAgeMsMax: still fresh
            "ASSET_RESTRICTED", // one millisecond later: a deposit raises obligations
            "ASSET_RESTRICTED", // and a withdrawal is an outflow
            "OK",               // a transfer raises nothing and works
            "OK",               // the hot wallet attested again...
            "ASSET_RESTRICTED", // ...but the cold one is still stale
            "OK",               // the cold wallet attested: fresh
            "OK"), run.reasons);
        assertEquals(List.of("ATTESTATION_STALE", "ATTESTATION_FRESH"), run.alertTypes());
        final JsonNode stale = run.alerts.get(0).get("figures");
        assertEquals(T0, stale.get("attestedOldestMs").asLong());
        assertEquals(T0 + 60_001, stale.get("nowMs").asLong());
        assertEquals(60_000, stale.get("attestationAgeMsMax").asLong());
    }

    /**
     * An erroneous credit, partly spent, then reversed: what is still available comes back, the recipient is frozen
     * with the shortfall recorded as a claim, and an alert states the figures. A second reversal, and the reversal of a
     * reversal, are rejected; what was already under way (an order, a withdrawal) still completes; the recovered coins
     * can be credited to the right account; every invariant holds.
     */
    @Test
    void shouldReverseAPartlySpentCreditFreezeTheRecipientAndRecordTheShortfall() throws IOException
    {
        final Run run = replay(Files.newInputStream(SCENARIOS.resolve("erroneous-credit-reversed.jsonl")));

        assertEquals(List.of("OK", "OK", "OK", "OK", "OK", "OK", "OK", "OK", "OK",
            "OK",                       // 5 BTC credited to 1001 instead of 1002
            "OK", "OK", "OK",           // 3 BTC moved on, 1 on order, 0.5 being withdrawn
            "OK",                       // the reversal: 0.5 recovered, 4.5 short
            "CREDIT_ALREADY_REVERSED",  // the same credit again
            "ACCOUNT_FROZEN",           // nothing more leaves 1001
            "OK", "OK",                 // its order is cancelled and its withdrawal settles
            "OK",                       // what came back is credited to the right account
            "CREDIT_NOT_FOUND"), run.reasons);  // a reversal is not a credit to reverse
        assertEquals(List.of("REVERSAL_SHORTFALL"), run.alertTypes());
        final JsonNode figures = run.alerts.get(0).get("figures");
        assertEquals(5 * BTC, figures.get("credited").asLong());
        assertEquals(BTC / 2, figures.get("recovered").asLong());
        assertEquals(9 * BTC / 2, figures.get("shortfall").asLong());
        assertEquals(1001, run.alerts.get(0).get("accountId").asLong());
        final int btc = 0;
        assertEquals(1, run.engine.assetId(btc), "BTC is the first asset of the example configuration");
        assertEquals(9 * BTC / 2, run.engine.claims(1001, btc));
        assertEquals(io.ledgerguard.core.AccountStatus.FROZEN, run.engine.accountStatus(1001));
        assertEquals(3 * BTC, run.engine.available(1003, btc), "followed no further: the third party keeps it");
        assertNull(run.summary.invariantViolation());
    }

    /**
     * The phantom payout of SPEC §1: a promotion of 620,000 won for 695 customers keyed in BTC, at an exchange that
     * holds 42,800 BTC. Every credit over the sanity cap is rejected, the payouts in BTC find nothing in the event
     * pool, no customer can sell more than they own, and the pool never pays more than it holds.
     */
    @Test
    void shouldRejectEveryPhantomCreditOfAPromotionKeyedInTheWrongUnit() throws IOException
    {
        final int customers = 695;
        final long perCustomerWon = 892;
        final long pool = 9_000;
        final long house = 8_000;
        final List<String> lines = new ArrayList<>();
        final long[] txId = {0};
        final java.util.function.Function<String, String> line = body ->
            "{\"txId\":" + (++txId[0]) + ",\"atMs\":" + (T0 + txId[0]) + "," + body + "}";

        lines.add(line.apply("\"type\":\"ATTEST\",\"walletId\":1,\"asset\":\"BTC\",\"balance\":" + 800 * BTC));
        lines.add(line.apply("\"type\":\"ATTEST\",\"walletId\":2,\"asset\":\"BTC\",\"balance\":0"));
        lines.add(line.apply("\"type\":\"ATTEST\",\"walletId\":3,\"asset\":\"KRW\",\"balance\":0"));
        lines.add(line.apply("\"type\":\"OPEN_ACCOUNT\",\"accountId\":" + pool + ",\"kind\":\"OPERATOR\""));
        lines.add(line.apply("\"type\":\"OPEN_ACCOUNT\",\"accountId\":" + house + ",\"kind\":\"OPERATOR\""));
        // 42,000 BTC of customer money arrives in cold storage: holdings 42,800, obligations 42,000.
        final long perCustomerSatoshi = 42_000 * BTC / customers;
        lines.add(line.apply("\"type\":\"INFLOW\",\"walletId\":2,\"asset\":\"BTC\",\"amount\":" +
            perCustomerSatoshi * customers + ",\"chainRef\":\"btc:cold:0\""));
        for (int c = 1; c <= customers; c++)
        {
            lines.add(line.apply("\"type\":\"OPEN_ACCOUNT\",\"accountId\":" + c + ",\"kind\":\"CUSTOMER\""));
            lines.add(line.apply("\"type\":\"DEPOSIT\",\"accountId\":" + c + ",\"asset\":\"BTC\",\"amount\":" +
                perCustomerSatoshi + ",\"chainRef\":\"btc:cold:0\""));
        }
        // The event pool is pre-funded with the promotion's won.
        lines.add(line.apply("\"type\":\"INFLOW\",\"walletId\":3,\"asset\":\"KRW\",\"amount\":620000," +
            "\"chainRef\":\"krw:promo\""));
        lines.add(line.apply("\"type\":\"DEPOSIT\",\"accountId\":" + pool + ",\"asset\":\"KRW\",\"amount\":620000," +
            "\"chainRef\":\"krw:promo\""));
        final int setup = lines.size();
        // The incident: 892 "BTC" credited to each of the 695, by ADJUST and from the pool.
        for (int c = 1; c <= customers; c++)
        {
            lines.add(line.apply("\"type\":\"ADJUST\",\"accountId\":" + c + ",\"asset\":\"BTC\",\"amount\":" +
                perCustomerWon * BTC + ",\"memo\":\"promotion\",\"approvals\":[]"));
            lines.add(line.apply("\"type\":\"TRANSFER\",\"debitAccountId\":" + pool + ",\"creditAccountId\":" + c +
                ",\"asset\":\"BTC\",\"amount\":" + perCustomerWon * BTC));
        }
        final int incident = lines.size();
        // Customers try to sell what they were shown: more than they own.
        for (int c = 1; c <= customers; c++)
        {
            lines.add(line.apply("\"type\":\"TRANSFER\",\"debitAccountId\":" + c + ",\"creditAccountId\":" + house +
                ",\"asset\":\"BTC\",\"amount\":" + (perCustomerSatoshi + 1)));
        }
        final int selling = lines.size();
        // The promotion as meant, in won, and one payout more than the pool holds.
        for (int c = 1; c <= customers + 1; c++)
        {
            lines.add(line.apply("\"type\":\"TRANSFER\",\"debitAccountId\":" + pool + ",\"creditAccountId\":" +
                (c <= customers ? c : 1) + ",\"asset\":\"KRW\",\"amount\":" + (c <= customers ? perCustomerWon : 61)));
        }

        final Run run = replay(new ByteArrayInputStream(
            (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8)));

        for (int i = 0; i < setup; i++)
        {
            assertEquals("OK", run.reasons.get(i), "setup line " + (i + 1) + ": " + lines.get(i));
        }
        for (int i = setup; i < incident; i += 2)
        {
            assertEquals("CREDIT_CAP_EXCEEDED", run.reasons.get(i), "phantom ADJUST, line " + (i + 1));
            assertEquals("INSUFFICIENT_AVAILABLE", run.reasons.get(i + 1), "phantom pool payout, line " + (i + 2));
        }
        for (int i = incident; i < selling; i++)
        {
            assertEquals("INSUFFICIENT_AVAILABLE", run.reasons.get(i), "selling more than owned, line " + (i + 1));
        }
        for (int i = selling; i < selling + customers; i++)
        {
            assertEquals("OK", run.reasons.get(i), "the promotion in won, line " + (i + 1));
        }
        assertEquals("INSUFFICIENT_AVAILABLE", run.reasons.get(selling + customers),
            "the pool (620,000 won, 619,940 paid) cannot pay 61 more");
        assertEquals(customers, run.alertTypes().stream().filter("SANITY_CAP"::equals).count());

        final GuardEngine engine = run.engine;
        final int btc = engine.indexOfAsset(1);
        assertEquals(perCustomerSatoshi * customers, engine.obligations(btc), "not one phantom satoshi is owed");
        assertEquals(0, engine.available(house, btc), "nothing was sold to the house");
        assertEquals(60, engine.available(pool, engine.indexOfAsset(2)), "the pool keeps what it did not pay");
        assertTrue(engine.holdings(btc) >= engine.obligations(btc));
        assertNull(run.summary.invariantViolation());
    }

    private static Run replay(final InputStream commands) throws IOException
    {
        final Replay replay = new Replay(ConfigLoader.load(CONFIG));
        final StringWriter decisions = new StringWriter();
        final StringWriter alerts = new StringWriter();
        final ReplaySummary summary;
        try (InputStream in = commands)
        {
            summary = replay.run(in, decisions, alerts);
        }
        final Run run = new Run(summary, replay.engine());
        for (final String decision : decisions.toString().split("\n"))
        {
            run.reasons.add(JSON.readTree(decision).get("reason").asText());
        }
        for (final String alert : alerts.toString().split("\n"))
        {
            if (!alert.isBlank())
            {
                run.alerts.add(JSON.readTree(alert));
            }
        }
        return run;
    }

    private static final class Run
    {
        final ReplaySummary summary;
        final GuardEngine engine;
        final List<String> reasons = new ArrayList<>();
        final List<JsonNode> alerts = new ArrayList<>();

        Run(final ReplaySummary summary, final GuardEngine engine)
        {
            this.summary = summary;
            this.engine = engine;
        }

        List<String> alertTypes()
        {
            final List<String> types = new ArrayList<>();
            alerts.forEach(alert -> types.add(alert.get("type").asText()));
            return types;
        }
    }
}
