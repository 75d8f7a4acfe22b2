package io.ledgerguard.gateway;

import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.ledgerguard.client.GatewayClient;
import io.ledgerguard.config.ConfigLoader;
import io.ledgerguard.core.Command;
import io.ledgerguard.core.CommandType;
import io.ledgerguard.core.GuardConfig;
import io.ledgerguard.core.Reason;
import io.ledgerguard.json.CommandLineParser;
import io.ledgerguard.replay.Replay;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The repository's example commands through a gateway, checked against {@code replay}'s decisions on them.
 */
final class ExampleCommands
{
    static final Path EXAMPLES = Path.of("..", "examples");

    private ExampleCommands()
    {
    }

    /**
     * @return a transfer of one minor unit of asset 1 (BTC in the example configuration) between two accounts.
     */
    static Command transfer(final long from, final long to, final long txId)
    {
        final Command c = new Command();
        c.type = CommandType.TRANSFER;
        c.txId = txId;
        c.debitAccountId = from;
        c.creditAccountId = to;
        c.assetId = 1;
        c.amount = 1;
        return c;
    }

    /**
     * Send every example command through the client, one at a time, and check that each reason is replay's.
     *
     * @param client a client of a gateway in front of a guard on the example configuration, nothing applied yet.
     * @param config the example configuration.
     */
    static void assertDecidedAsReplayDoes(final GatewayClient client, final GuardConfig config) throws Exception
    {
        final Path commands = EXAMPLES.resolve("commands.jsonl");
        final StringWriter expected = new StringWriter();
        new Replay(ConfigLoader.load(EXAMPLES.resolve("config.yaml")))
            .run(Files.newInputStream(commands), expected, new StringWriter());
        final ObjectMapper json = new ObjectMapper();
        final List<String> expectedReasons = new ArrayList<>();
        for (final String line : expected.toString().split("\n"))
        {
            expectedReasons.add(json.readTree(line).get("reason").asText());
        }
        final CommandLineParser parser = new CommandLineParser(config);
        final Command command = new Command();
        final List<String> reasons = new ArrayList<>();
        for (final String line : Files.readAllLines(commands))
        {
            try
            {
                parser.parse(line, command);
            }
            catch (final io.ledgerguard.json.MalformedCommandException ex)
            {
                reasons.add(Reason.MALFORMED_COMMAND.name());
                continue;
            }
            reasons.add(client.submit(command).reason.name());
        }
        assertEquals(expectedReasons, reasons);
    }
}
