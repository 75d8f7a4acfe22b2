package io.ledgerguard.scenario;

import java.io.IOException;
import java.io.InputStream;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.ledgerguard.config.ConfigLoader;
import io.ledgerguard.replay.Replay;
import io.ledgerguard.replay.ReplaySummary;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A seeded 24-hour day of legitimate activity ({@link SimulatedDay}) through {@code replay}: confirmation lags, fee
 * sweeps between hot and cold wallets, attestation jitter within tolerance. Not one command is rejected and not one
 * alert is raised: the controls that stop the incidents of SPEC §1 stay silent on an honest day.
 */
class SimulatedDayTest
{
    private static final Path CONFIG = Path.of("..", "examples", "scenarios", "day-config.yaml");

    @TempDir
    Path temp;

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {20260101L, 7L, 424242L})
    void shouldRaiseNoAlertOnAnHonestDay(final long seed) throws IOException
    {
        final Path commands = temp.resolve("day-" + seed + ".jsonl");
        final Map<String, Integer> counts;
        try (Writer out = Files.newBufferedWriter(commands, StandardCharsets.UTF_8))
        {
            counts = SimulatedDay.write(seed, out);
        }

        final Replay replay = new Replay(ConfigLoader.load(CONFIG));
        final StringWriter decisions = new StringWriter();
        final StringWriter alerts = new StringWriter();
        final ReplaySummary summary;
        try (InputStream in = Files.newInputStream(commands))
        {
            summary = replay.run(in, decisions, alerts);
        }
        System.out.println("seed " + seed + ": " + counts + " -> " + summary.line());

        assertEquals("", alerts.toString(), "alerts on an honest day (seed " + seed + ")");
        assertEquals(Map.of(), summary.rejectedByReason(), () -> "rejections on an honest day (seed " + seed +
            "), first: " + firstRejection(decisions.toString()));
        assertEquals(0, summary.malformed());
        assertNull(summary.invariantViolation());
        // A whole day, with every kind of activity the scenario promises.
        final String last = lastLine(commands);
        final long lastAtMs = Long.parseLong(last.replaceAll(".*\"atMs\":(\\d+).*", "$1"));
        assertTrue(lastAtMs >= SimulatedDay.T0 + SimulatedDay.DAY_MS - 60_000, "the day ran to its end: " + last);
        assertTrue(counts.get("BATCH") > 10_000, counts::toString);
        assertTrue(counts.get("RELEASE") > 5_000, counts::toString);
        assertTrue(counts.get("ATTEST") > 3 * 2_800, counts::toString);
        assertTrue(counts.get("WITHDRAW_SETTLE") > 500, counts::toString);
        assertTrue(counts.get("DEPOSIT") > 1_000, counts::toString);
        assertTrue(counts.getOrDefault("SWEEP hot to cold", 0) >= 1, counts::toString);
        assertTrue(counts.getOrDefault("SWEEP cold to hot", 0) >= 1, counts::toString);
    }

    /**
     * The control: the same honest day with one hot-wallet attestation, at midday, 1 BTC short of what the wallet
     * should hold. The guard notices it at once, so the silence above is not blindness.
     */
    @org.junit.jupiter.api.Test
    void shouldNoticeOneBitcoinMissingFromTheSameDay() throws IOException
    {
        final StringWriter day = new StringWriter();
        SimulatedDay.write(20260101L, day);
        final java.util.List<String> lines = new java.util.ArrayList<>(day.toString().lines().toList());
        int drained = -1;
        for (int i = 0; i < lines.size() && drained < 0; i++)
        {
            final String line = lines.get(i);
            if (line.contains("\"type\":\"ATTEST\"") && line.contains("\"walletId\":1,") &&
                Long.parseLong(line.replaceAll(".*\"atMs\":(\\d+).*", "$1")) >=
                    SimulatedDay.T0 + SimulatedDay.DAY_MS / 2)
            {
                final long balance = Long.parseLong(line.replaceAll(".*\"balance\":(\\d+).*", "$1"));
                lines.set(i, line.replace("\"balance\":" + balance, "\"balance\":" + (balance - SimulatedDay.BTC)));
                drained = i;
            }
        }

        final Replay replay = new Replay(ConfigLoader.load(CONFIG));
        final StringWriter decisions = new StringWriter();
        final StringWriter alerts = new StringWriter();
        replay.run(new java.io.ByteArrayInputStream(String.join("\n", lines).getBytes(StandardCharsets.UTF_8)),
            decisions, alerts);

        final java.util.List<String> alertLines = alerts.toString().lines().toList();
        assertTrue(alertLines.size() >= 2, alerts::toString);
        assertTrue(alertLines.get(0).contains("\"seq\":" + (drained + 1) + ",") &&
            alertLines.get(0).contains("\"type\":\"CUSTODY_DRIFT\""), alertLines.get(0));
        assertTrue(alertLines.get(1).contains("\"type\":\"KILL_SWITCH_ENGAGED\""), alertLines.get(1));
        assertTrue(decisions.toString().contains("\"reason\":\"ASSET_HALTED\""), "withdrawals halted after the drain");
    }

    private static String lastLine(final Path file) throws IOException
    {
        try (java.util.stream.Stream<String> lines = Files.lines(file))
        {
            return lines.reduce((first, second) -> second).orElseThrow();
        }
    }

    private static String firstRejection(final String decisions)
    {
        return decisions.lines().filter(l -> l.contains("REJECTED")).findFirst().orElse("none");
    }
}
