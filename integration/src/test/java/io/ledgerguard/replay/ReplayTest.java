package io.ledgerguard.replay;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import io.ledgerguard.cli.LedgerGuardCli;
import io.ledgerguard.config.ConfigLoader;
import io.ledgerguard.core.Reason;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Proves that replaying a command file gives the expected decision for every line, the expected alerts and final
 * state, byte for byte the same every time, and that the {@code replay} command exits 0 on success and 2 naming the
 * key of a bad configuration.
 */
class ReplayTest
{
    private static final ObjectMapper JSON = new ObjectMapper();

    private static final String CONFIG = """
        assets:
          - { code: BTC, id: 1, scale: 8, creditCapMinorUnits: 1000000, attestationAgeMsMax: 60000 }
          - { code: KRW, id: 2, scale: 0, attestationAgeMsMax: 60000 }
        wallets:
          - { id: 1, asset: BTC, kind: HOT }
          - { id: 2, asset: BTC, kind: COLD }
          - { id: 3, asset: KRW, kind: BANK }
        limits: { accountsMax: 100, positionsMax: 400, holdsMax: 100, txIdsMax: 1000, inflowsMax: 100, \
        creditsMax: 1000 }
        """;

    /** One command per line, with the reason expected for it; line 7 is blank, lines 14 and 29 are not sequenced. */
    private static final String[][] LINES = {
        {"{\"type\":\"OPEN_ACCOUNT\",\"txId\":1,\"atMs\":1000,\"accountId\":1001,\"kind\":\"CUSTOMER\"}", "OK"},
        {"{\"type\":\"OPEN_ACCOUNT\",\"txId\":2,\"atMs\":1000,\"accountId\":1002,\"kind\":\"CUSTOMER\"}", "OK"},
        {"{\"type\":\"OPEN_ACCOUNT\",\"txId\":3,\"atMs\":1000,\"accountId\":9001,\"kind\":\"OPERATOR\"}", "OK"},
        {"{\"type\":\"ATTEST\",\"txId\":4,\"atMs\":1000,\"walletId\":1,\"asset\":\"BTC\",\"balance\":1000}", "OK"},
        {"{\"type\":\"ATTEST\",\"txId\":5,\"atMs\":1000,\"walletId\":2,\"asset\":\"BTC\",\"balance\":9000}", "OK"},
        {"{\"type\":\"ATTEST\",\"txId\":6,\"atMs\":1000,\"walletId\":3,\"asset\":\"KRW\",\"balance\":0}", "OK"},
        {"", null},
        {"{\"type\":\"INFLOW\",\"txId\":7,\"atMs\":2000,\"walletId\":1,\"asset\":\"BTC\",\"amount\":500," +
            "\"chainRef\":\"c1\"}", "OK"},
        {"{\"type\":\"DEPOSIT\",\"txId\":8,\"atMs\":3000,\"accountId\":1001,\"asset\":\"BTC\",\"amount\":500," +
            "\"chainRef\":\"c1\"}", "OK"},
        {"{\"type\":\"DEPOSIT\",\"txId\":9,\"atMs\":4000,\"accountId\":1002,\"asset\":\"BTC\",\"amount\":1," +
            "\"chainRef\":\"c1\"}", "INFLOW_AMOUNT_EXCEEDED"},
        {"{\"type\":\"HOLD\",\"txId\":10,\"atMs\":5000,\"holdId\":1,\"accountId\":1001,\"asset\":\"BTC\"," +
            "\"amount\":200}", "OK"},
        {"{\"type\":\"BATCH\",\"txId\":11,\"atMs\":6000,\"commands\":[" +
            "{\"type\":\"TRANSFER\",\"txId\":12,\"holdId\":1,\"debitAccountId\":1001,\"creditAccountId\":1002," +
            "\"asset\":\"BTC\",\"amount\":150}," +
            "{\"type\":\"TRANSFER\",\"txId\":13,\"debitAccountId\":1001,\"creditAccountId\":9001,\"asset\":\"BTC\"," +
            "\"amount\":10}]}", "OK"},
        {"{\"type\":\"BATCH\",\"txId\":14,\"atMs\":7000,\"commands\":[" +
            "{\"type\":\"TRANSFER\",\"txId\":15,\"debitAccountId\":1002,\"creditAccountId\":1001,\"asset\":\"BTC\"," +
            "\"amount\":100}," +
            "{\"type\":\"TRANSFER\",\"txId\":16,\"debitAccountId\":1002,\"creditAccountId\":1001,\"asset\":\"BTC\"," +
            "\"amount\":100}]}", "INSUFFICIENT_AVAILABLE"},
        {"{\"type\":\"TRANSFER\",\"txId\":17,\"atMs\":8000,\"debitAccountId\":1001,\"creditAccountId\":1002," +
            "\"asset\":\"BTC\",\"amount\":1.5}", "MALFORMED_COMMAND"},
        {"{\"type\":\"RELEASE\",\"txId\":18,\"atMs\":9000,\"holdId\":1,\"amount\":50}", "OK"},
        {"{\"type\":\"WITHDRAW\",\"txId\":19,\"atMs\":10000,\"holdId\":2,\"accountId\":1001,\"walletId\":1," +
            "\"asset\":\"BTC\",\"amount\":100}", "OK"},
        {"{\"type\":\"WITHDRAW_SETTLE\",\"txId\":20,\"atMs\":11000,\"holdId\":2}", "OK"},
        {"{\"type\":\"ADJUST\",\"txId\":21,\"atMs\":12000,\"accountId\":9001,\"asset\":\"BTC\"," +
            "\"amount\":62000000000000,\"memo\":\"payout keyed in BTC instead of KRW\",\"approvals\":[]}",
            "CREDIT_CAP_EXCEEDED"},
        {"{\"type\":\"ADJUST\",\"txId\":22,\"atMs\":13000,\"accountId\":1002,\"asset\":\"BTC\",\"amount\":999999}",
            "RESERVE_COVER_EXCEEDED"},
        {"{\"type\":\"ADJUST\",\"txId\":23,\"atMs\":14000,\"accountId\":1001,\"asset\":\"BTC\",\"amount\":-40," +
            "\"memo\":\"fee correction\"}", "OK"},
        {"{\"type\":\"FREEZE\",\"txId\":24,\"atMs\":15000,\"accountId\":1002}", "OK"},
        {"{\"type\":\"TRANSFER\",\"txId\":25,\"atMs\":16000,\"debitAccountId\":1002,\"creditAccountId\":1001," +
            "\"asset\":\"BTC\",\"amount\":1}", "ACCOUNT_FROZEN"},
        {"{\"type\":\"TRANSFER\",\"txId\":26,\"atMs\":17000,\"debitAccountId\":1001,\"creditAccountId\":1002," +
            "\"asset\":\"BTC\",\"amount\":1}", "OK"},
        {"{\"type\":\"HALT\",\"txId\":27,\"atMs\":18000,\"asset\":\"BTC\"}", "OK"},
        {"{\"type\":\"HOLD\",\"txId\":28,\"atMs\":19000,\"holdId\":3,\"accountId\":1001,\"asset\":\"BTC\"," +
            "\"amount\":1}", "ASSET_HALTED"},
        {"{\"type\":\"RESUME\",\"txId\":29,\"atMs\":20000,\"asset\":\"BTC\",\"approvals\":[]}", "OK"},
        {"{\"type\":\"DEPOSIT\",\"txId\":8,\"atMs\":21000,\"accountId\":1001,\"asset\":\"BTC\",\"amount\":500," +
            "\"chainRef\":\"c1\"}", "OK"},
        {"{\"type\":\"TRANSFER\",\"txId\":26,\"atMs\":22000,\"debitAccountId\":1001,\"creditAccountId\":1002," +
            "\"asset\":\"BTC\",\"amount\":2}", "TX_ID_REUSED"},
        {tooLargeBatch(31), "BATCH_TOO_LARGE"},
        {"{\"type\":\"TRANSFER\",\"txId\":32,\"atMs\":23000,\"debitAccountId\":1001,\"creditAccountId\":1002," +
            "\"asset\":\"BTX\",\"amount\":1}", "ASSET_NOT_FOUND"},
        {"{\"type\":\"UNFREEZE\",\"txId\":33,\"atMs\":24000,\"accountId\":1002}", "OK"},
        {"{\"type\":\"OPEN_ACCOUNT\",\"txId\":34,\"atMs\":25000,\"accountId\":1001,\"kind\":\"OPERATOR\"}",
            "ACCOUNT_ALREADY_EXISTS"},
    };

    @TempDir
    Path dir;

    @Test
    void shouldDecideEveryLineAsExpected() throws IOException
    {
        final Outputs outputs = replay();

        final List<JsonNode> decisions = jsonLines(outputs.decisions);
        final List<String[]> commandLines = new ArrayList<>();
        for (final String[] line : LINES)
        {
            if (line[1] != null)
            {
                commandLines.add(line);
            }
        }
        assertEquals(commandLines.size(), decisions.size(), "one decision per non-blank line");
        long seq = 0;
        for (int i = 0; i < decisions.size(); i++)
        {
            final JsonNode decision = decisions.get(i);
            final String expected = commandLines.get(i)[1];
            assertEquals(expected, decision.get("reason").asText(), "decision " + decision);
            assertEquals(Reason.valueOf(expected).code(), decision.get("code").asInt());
            assertEquals(expected.equals("OK") ? "ACCEPTED" : "REJECTED", decision.get("status").asText());
            if (decision.has("seq"))
            {
                assertEquals(++seq, decision.get("seq").asLong(), "sequenced in order, unparsed lines skipped");
            }
        }

        assertEquals("{\"seq\":11,\"txId\":11,\"status\":\"ACCEPTED\",\"reason\":\"OK\",\"code\":0,\"linked\":[" +
            "{\"txId\":12,\"reason\":\"OK\",\"code\":0},{\"txId\":13,\"reason\":\"OK\",\"code\":0}]}",
            decisions.get(10).toString());
        assertEquals("{\"seq\":12,\"txId\":14,\"status\":\"REJECTED\",\"reason\":\"INSUFFICIENT_AVAILABLE\"," +
            "\"code\":2001,\"linked\":[{\"txId\":15,\"reason\":\"LINKED_COMMAND_FAILED\",\"code\":6002}," +
            "{\"txId\":16,\"reason\":\"INSUFFICIENT_AVAILABLE\",\"code\":2001}]}",
            decisions.get(11).toString());
        assertEquals("{\"line\":14,\"txId\":17,\"status\":\"REJECTED\",\"reason\":\"MALFORMED_COMMAND\"," +
            "\"code\":1000,\"error\":\"field 'amount': expected an integer in minor units, was 1.5\"}",
            decisions.get(12).toString());
        assertEquals("{\"seq\":25,\"txId\":8,\"status\":\"ACCEPTED\",\"reason\":\"OK\",\"code\":0,\"duplicate\":true}",
            decisions.get(25).toString());
        assertEquals("{\"line\":29,\"txId\":31,\"status\":\"REJECTED\",\"reason\":\"BATCH_TOO_LARGE\",\"code\":1014," +
            "\"error\":\"field 'commands': too many inner commands: count=17, max=16\"}",
            decisions.get(27).toString());

        final ReplaySummary summary = outputs.summary;
        assertEquals(31, summary.lines());
        assertEquals(29, summary.sequenced());
        assertEquals(2, summary.malformed());
        assertEquals(20, summary.accepted());
        assertEquals(9, summary.rejected());
        assertEquals(1, summary.rejected(Reason.RESERVE_COVER_EXCEEDED));
        // Two for the rejected credits, two for the operator's HALT and RESUME of BTC.
        assertEquals(4, summary.alerts());
        assertNull(summary.invariantViolation());
    }

    @Test
    void shouldRaiseTheAlertsOfTheRejectedCredits() throws IOException
    {
        final List<JsonNode> alerts = jsonLines(replay().alerts);

        assertEquals(4, alerts.size());
        assertEquals("KILL_SWITCH_ENGAGED", alerts.get(2).get("type").asText(), alerts.get(2).toString());
        assertEquals("KILL_SWITCH_RELEASED", alerts.get(3).get("type").asText(), alerts.get(3).toString());
        assertEquals(1, alerts.get(3).get("figures").get("cause").asInt(), "the operator's HALT");
        assertEquals("{\"seq\":16,\"atMs\":12000,\"type\":\"SANITY_CAP\",\"scope\":\"ACCOUNT\",\"asset\":\"BTC\"," +
            "\"accountId\":9001,\"txId\":21,\"figures\":{\"amount\":62000000000000,\"creditCap\":1000000}}",
            alerts.get(0).toString());
        assertEquals("{\"seq\":17,\"atMs\":13000,\"type\":\"RESERVE_COVER_BREACH\",\"scope\":\"ASSET\"," +
            "\"asset\":\"BTC\",\"txId\":22,\"figures\":{\"holdings\":10400,\"obligations\":1000399," +
            "\"amount\":999999,\"reserveBuffer\":0}}",
            alerts.get(1).toString());
    }

    @Test
    void shouldWriteTheFinalState() throws IOException
    {
        final Outputs outputs = replay();
        final JsonNode state = JSON.readTree(outputs.state);

        final JsonNode btc = state.get("assets").get("BTC");
        assertEquals(360, btc.get("obligations").asLong());
        assertEquals(10_400, btc.get("holdings").asLong());
        assertEquals(0, btc.get("held").asLong());
        assertEquals("NORMAL", btc.get("status").asText());
        assertEquals("NORMAL", state.get("assets").get("KRW").get("status").asText());

        final JsonNode hot = state.get("wallets").get("1");
        assertEquals("BTC", hot.get("asset").asText());
        assertEquals(1000, hot.get("attested").asLong());
        assertEquals(1400, hot.get("expected").asLong());
        assertEquals(9000, state.get("wallets").get("2").get("expected").asLong());

        final JsonNode accounts = state.get("accounts");
        final List<String> ids = new ArrayList<>();
        accounts.fieldNames().forEachRemaining(ids::add);
        assertEquals(List.of("1001", "1002", "9001"), ids, "accounts by ascending id");
        assertPosition(accounts.get("1001"), "ACTIVE", 199, 0);
        assertPosition(accounts.get("1002"), "ACTIVE", 151, 0);
        assertPosition(accounts.get("9001"), "ACTIVE", 10, 0);
        assertFalse(accounts.get("1001").get("positions").has("KRW"));

        assertEquals(outputs.summary.stateHash(), state.get("stateHash").asText());
        assertEquals(64, outputs.summary.stateHash().length());
    }

    @Test
    void shouldWriteByteIdenticalFilesOnEveryReplay() throws IOException
    {
        final Outputs first = replay();
        final Outputs second = replay();

        assertArrayEquals(first.decisions, second.decisions);
        assertArrayEquals(first.alerts, second.alerts);
        assertArrayEquals(first.state, second.state);
        assertEquals(first.summary.line(), second.summary.line());
    }

    @Test
    void shouldExitZeroAndWriteTheFilesWhenTheRunSucceeds() throws IOException
    {
        final Path config = write("config.yaml", CONFIG);
        final Path commands = write("commands.jsonl", commandFile());
        final Path decisions = dir.resolve("decisions.jsonl");
        final Path alerts = dir.resolve("alerts.jsonl");
        final Path state = dir.resolve("state.json");

        final Cli cli = execute("replay", "--config", config.toString(), "--commands", commands.toString(),
            "--decisions", decisions.toString(), "--alerts", alerts.toString(), "--state", state.toString());

        assertEquals(0, cli.exitCode, cli.err);
        final Outputs outputs = replay();
        assertArrayEquals(outputs.decisions, Files.readAllBytes(decisions));
        assertArrayEquals(outputs.alerts, Files.readAllBytes(alerts));
        assertArrayEquals(outputs.state, Files.readAllBytes(state));
        assertEquals(outputs.summary.line() + System.lineSeparator(), cli.err);
        assertTrue(cli.err.startsWith("replay: 31 lines, 29 sequenced (20 accepted, 9 rejected), 2 malformed, " +
            "4 alerts, stateHash="), cli.err);
        assertEquals("", cli.out, "decisions went to the file");
    }

    @Test
    void shouldWriteDecisionsToStandardOutputWithoutDecisionsFile() throws IOException
    {
        final Path config = write("config.yaml", CONFIG);
        final Path commands = write("commands.jsonl", commandFile());

        final Cli cli = execute("replay", "--config", config.toString(), "--commands", commands.toString());

        assertEquals(0, cli.exitCode, cli.err);
        assertEquals(new String(replay().decisions, StandardCharsets.UTF_8), cli.out);
    }

    @Test
    void shouldExitTwoNamingTheKeyOfABadConfiguration() throws IOException
    {
        final Path config = write("config.yaml", CONFIG.replace("scale: 0", "scale: eight"));
        final Path commands = write("commands.jsonl", commandFile());

        final Cli cli = execute("replay", "--config", config.toString(), "--commands", commands.toString());

        assertEquals(2, cli.exitCode);
        assertEquals("ledger-guard: configuration error: assets[1].scale: must be an integer 0..18, was \"eight\" " +
            "(line 3)" + System.lineSeparator(), cli.err);
        assertEquals("", cli.out);
    }

    @Test
    void shouldExitTwoNamingAnUnreadableCommandsFile() throws IOException
    {
        final Path config = write("config.yaml", CONFIG);
        final Path missing = dir.resolve("missing.jsonl");

        final Cli cli = execute("replay", "--config", config.toString(), "--commands", missing.toString());

        assertEquals(2, cli.exitCode);
        assertTrue(cli.err.contains("cannot read commands file " + missing + ": no such file"), cli.err);
    }

    @Test
    void shouldExitTwoOnAUsageError()
    {
        final Cli cli = execute("replay", "--config", "x.yaml");

        assertEquals(2, cli.exitCode);
        assertTrue(cli.err.contains("Missing required option: '--commands=FILE'"), cli.err);
    }

    @Test
    void shouldExitTwoFromServeWithAConfigurationItCannotRead()
    {
        final Cli cli = execute("serve", "--config", "x.yaml");

        assertEquals(2, cli.exitCode);
        assertTrue(cli.err.startsWith("ledger-guard: configuration error: x.yaml: cannot read configuration file"),
            cli.err);
    }

    @Test
    void shouldReplayTheExamplesOfTheRepository() throws IOException
    {
        // Tests run in the module's directory; the examples are at the repository root.
        final Path examples = Path.of("..", "examples");
        final Replay replay = new Replay(ConfigLoader.load(examples.resolve("config.yaml")));
        final StringWriter decisions = new StringWriter();

        final ReplaySummary summary;
        try (InputStream in = Files.newInputStream(examples.resolve("commands.jsonl")))
        {
            summary = replay.run(in, decisions, null);
        }

        assertNull(summary.invariantViolation());
        assertEquals(1, summary.malformed(), decisions.toString());
        assertEquals(1, summary.rejected(Reason.CREDIT_CAP_EXCEEDED), "the phantom payout");
        assertEquals(1, summary.rejected(Reason.RESERVE_COVER_EXCEEDED), "the credit beyond holdings");
        assertEquals(0, summary.rejected(Reason.ASSET_RESTRICTED), "the wallets are attested in time");
        for (int i = 0; i < replay.engine().assetCount(); i++)
        {
            assertEquals("NORMAL", replay.engine().assetStatus(i).name());
        }
    }

    private static void assertPosition(
        final JsonNode account, final String status, final long available, final long held)
    {
        assertEquals(status, account.get("status").asText());
        final JsonNode position = account.get("positions").get("BTC");
        assertEquals(available, position.get("available").asLong());
        assertEquals(held, position.get("held").asLong());
    }

    private Outputs replay() throws IOException
    {
        final Replay replay = new Replay(ConfigLoader.parse(CONFIG));
        final StringWriter decisions = new StringWriter();
        final StringWriter alerts = new StringWriter();
        final StringWriter state = new StringWriter();
        final ReplaySummary summary = replay.run(
            new ByteArrayInputStream(commandFile().getBytes(StandardCharsets.UTF_8)), decisions, alerts);
        replay.writeState(state);
        return new Outputs(summary, bytes(decisions), bytes(alerts), bytes(state));
    }

    private static String commandFile()
    {
        final StringBuilder sb = new StringBuilder();
        for (final String[] line : LINES)
        {
            sb.append(line[0]).append('\n');
        }
        return sb.toString();
    }

    private static String tooLargeBatch(final long txId)
    {
        final StringBuilder sb = new StringBuilder("{\"type\":\"BATCH\",\"txId\":").append(txId)
            .append(",\"atMs\":22500,\"commands\":[");
        for (int i = 0; i < 17; i++)
        {
            sb.append(i == 0 ? "" : ",").append("{\"type\":\"FREEZE\",\"txId\":").append(100 + i)
                .append(",\"accountId\":1001}");
        }
        return sb.append("]}").toString();
    }

    private static byte[] bytes(final StringWriter writer)
    {
        return writer.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static List<JsonNode> jsonLines(final byte[] text) throws IOException
    {
        final List<JsonNode> nodes = new ArrayList<>();
        for (final String line : new String(text, StandardCharsets.UTF_8).split("\n"))
        {
            nodes.add(JSON.readTree(line));
        }
        return nodes;
    }

    private Path write(final String name, final String text) throws IOException
    {
        return Files.writeString(dir.resolve(name), text, StandardCharsets.UTF_8);
    }

    private static Cli execute(final String... args)
    {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final CommandLine commandLine = new CommandLine(new LedgerGuardCli());
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        final int exitCode = commandLine.execute(args);
        return new Cli(exitCode, out.toString(), err.toString());
    }

    /** What one replay wrote. */
    private static final class Outputs
    {
        final ReplaySummary summary;
        final byte[] decisions;
        final byte[] alerts;
        final byte[] state;

        Outputs(final ReplaySummary summary, final byte[] decisions, final byte[] alerts, final byte[] state)
        {
            this.summary = summary;
            this.decisions = decisions;
            this.alerts = alerts;
            this.state = state;
        }
    }

    /** What one run of the command line did. */
    private static final class Cli
    {
        final int exitCode;
        final String out;
        final String err;

        Cli(final int exitCode, final String out, final String err)
        {
            this.exitCode = exitCode;
            this.out = out;
            this.err = err;
        }
    }
}
