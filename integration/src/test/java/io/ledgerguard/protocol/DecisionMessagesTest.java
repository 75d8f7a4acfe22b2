package io.ledgerguard.protocol;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import io.ledgerguard.config.ConfigLoader;
import io.ledgerguard.core.Alert;
import io.ledgerguard.core.AlertType;
import io.ledgerguard.core.Command;
import io.ledgerguard.core.Decision;
import io.ledgerguard.core.GuardConfig;
import io.ledgerguard.core.GuardEngine;
import io.ledgerguard.json.CommandLineParser;
import io.ledgerguard.json.MalformedCommandException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The guard's decisions, alerts and linked outcomes included, reach a client of the protocol unchanged.
 */
class DecisionMessagesTest
{
    private static final Path SCENARIOS = Path.of("..", "examples", "scenarios");

    private final DecisionMessages messages = new DecisionMessages();
    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[16 * 1024]);
    private final GatewayDecision received = new GatewayDecision();

    @Test
    void shouldCarryEveryDecisionOfTheIncidentScenariosUnchanged() throws IOException, MalformedCommandException,
        ProtocolException
    {
        final GuardConfig config = ConfigLoader.load(Path.of("..", "examples", "config.yaml"));
        int alerts = 0;
        for (final String scenario : List.of("hot-wallet-drain.jsonl", "stale-feed.jsonl",
            "erroneous-credit-reversed.jsonl"))
        {
            final GuardEngine engine = new GuardEngine(config);
            final CommandLineParser parser = new CommandLineParser(config);
            final Command command = new Command();
            final Decision decision = new Decision();
            long seq = 0;
            for (final String line : Files.readAllLines(SCENARIOS.resolve(scenario)))
            {
                parser.parse(line, command);
                command.seq = ++seq;
                engine.apply(command, decision);

                final int length = messages.encode(seq * 31, decision, buffer, 8);
                messages.decode(buffer, 8, length, received);

                assertEquals(seq * 31, received.correlationId);
                assertEquals(decision.seq, received.seq);
                assertEquals(decision.txId, received.txId);
                assertEquals(decision.reason, received.reason);
                assertEquals(decision.timestampNs, received.timestampNs);
                assertEquals(decision.duplicate, received.duplicate);
                assertEquals(decision.linkedCount, received.linkedCount);
                for (int i = 0; i < decision.linkedCount; i++)
                {
                    assertEquals(decision.linkedTxIds[i], received.linkedTxIds[i]);
                    assertEquals(decision.linkedReasons[i], received.linkedReasons[i]);
                }
                assertEquals(decision.alertCount, received.alertCount);
                for (int i = 0; i < decision.alertCount; i++)
                {
                    final Alert alert = decision.alert(i);
                    assertEquals(alert.type, received.alertTypes[i]);
                    assertEquals(alert.scope, received.alertScopes[i]);
                    assertEquals(alert.assetId, received.alertAssetIds[i]);
                    assertEquals(alert.walletId, received.alertWalletIds[i]);
                    assertEquals(alert.accountId, received.alertAccountIds[i]);
                    for (int f = 0; f < alert.type.figureCount(); f++)
                    {
                        assertEquals(alert.figure(f), received.figure(i, f));
                    }
                }
                alerts += decision.alertCount;
            }
        }
        assertTrue(alerts >= 6, "the scenarios raise alerts: " + alerts);
    }

    @Test
    void shouldCarryTheOutcomeOfEveryLinkedCommand() throws ProtocolException
    {
        final Decision decision = new Decision();
        decision.reset(12, 40, 99);
        decision.reason = io.ledgerguard.core.Reason.INSUFFICIENT_AVAILABLE;
        decision.linkedCount = 3;
        for (int i = 0; i < 3; i++)
        {
            decision.linkedTxIds[i] = 41 + i;
            decision.linkedReasons[i] = i == 1 ? io.ledgerguard.core.Reason.INSUFFICIENT_AVAILABLE :
                io.ledgerguard.core.Reason.LINKED_COMMAND_FAILED;
        }

        messages.decode(buffer, 0, messages.encode(3, decision, buffer, 0), received);

        assertEquals(3, received.linkedCount);
        assertEquals(42, received.linkedTxIds[1]);
        assertEquals(io.ledgerguard.core.Reason.INSUFFICIENT_AVAILABLE, received.linkedReasons[1]);
        assertEquals(io.ledgerguard.core.Reason.LINKED_COMMAND_FAILED, received.linkedReasons[2]);
        assertEquals(false, received.accepted());
    }

    @Test
    void shouldGiveEveryAlertTypeOneStableCode()
    {
        final Set<AlertType> coded = EnumSet.noneOf(AlertType.class);
        for (final AlertType type : DecisionMessages.ALERT_TYPES)
        {
            assertTrue(coded.add(type), "coded twice: " + type);
        }
        assertEquals(EnumSet.allOf(AlertType.class), coded, "an alert type without a wire code");
        // The codes are part of the protocol (docs/protocol.md): these must never move.
        assertEquals(AlertType.RESERVE_COVER_BREACH, DecisionMessages.ALERT_TYPES[0]);
        assertEquals(AlertType.UNAUTHORIZED, DecisionMessages.ALERT_TYPES[9]);
        assertEquals(AlertType.ALERTS_DROPPED, DecisionMessages.ALERT_TYPES[12]);
    }

    @Test
    void shouldHaveTheLayoutDocsProtocolMdDescribes()
    {
        // docs/protocol.md gives these sizes to clients written from it: the schema must not drift from it.
        assertEquals(102, io.ledgerguard.protocol.sbe.CommandRequestDecoder.BLOCK_LENGTH);
        assertEquals(12, io.ledgerguard.protocol.sbe.CommandRequestDecoder.CreditLimitsDecoder.sbeBlockLength());
        assertEquals(64, io.ledgerguard.protocol.sbe.CommandRequestDecoder.ApprovalsDecoder.sbeBlockLength());
        assertEquals(78, io.ledgerguard.protocol.sbe.CommandRequestDecoder.InnerDecoder.sbeBlockLength());
        assertEquals(36, io.ledgerguard.protocol.sbe.DecisionResponseDecoder.BLOCK_LENGTH);
        assertEquals(10, io.ledgerguard.protocol.sbe.DecisionResponseDecoder.LinkedDecoder.sbeBlockLength());
        assertEquals(54, io.ledgerguard.protocol.sbe.DecisionResponseDecoder.AlertsDecoder.sbeBlockLength());
        assertEquals(10, io.ledgerguard.protocol.sbe.ErrorResponseDecoder.BLOCK_LENGTH);
        assertEquals(7301, io.ledgerguard.protocol.sbe.CommandRequestDecoder.SCHEMA_ID);
        assertEquals(10, io.ledgerguard.protocol.sbe.CommandRequestDecoder.TEMPLATE_ID);
        assertEquals(11, io.ledgerguard.protocol.sbe.DecisionResponseDecoder.TEMPLATE_ID);
        assertEquals(12, io.ledgerguard.protocol.sbe.ErrorResponseDecoder.TEMPLATE_ID);
    }

    @Test
    void shouldRefuseAResponseOfAnotherTemplate()
    {
        final ProtocolException ex = assertThrows(ProtocolException.class,
            () -> messages.decode(buffer, 0, 4, received));
        assertEquals(ProtocolException.TRUNCATED, ex.code());
    }
}
