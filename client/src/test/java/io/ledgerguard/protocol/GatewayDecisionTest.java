package io.ledgerguard.protocol;

import java.util.Arrays;

import org.junit.jupiter.api.Test;

import io.ledgerguard.core.AlertScope;
import io.ledgerguard.core.AlertType;
import io.ledgerguard.core.Reason;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * A reused decision copied from another holds exactly what the other's counts say it holds.
 */
class GatewayDecisionTest
{
    @Test
    void shouldCopyEverythingTheCountsSayIntoADecisionThatHeldMore()
    {
        final GatewayDecision reused = decision(7, 3, 3);
        final GatewayDecision source = decision(42, 2, 2);

        assertSame(reused, reused.copyFrom(source));

        assertEquals(42, reused.correlationId);
        assertEquals(source.seq, reused.seq);
        assertEquals(source.txId, reused.txId);
        assertEquals(source.reason, reused.reason);
        assertEquals(source.timestampNs, reused.timestampNs);
        assertEquals(source.duplicate, reused.duplicate);
        assertEquals(2, reused.linkedCount);
        assertEquals(2, reused.alertCount);
        for (int i = 0; i < 2; i++)
        {
            assertEquals(source.linkedTxIds[i], reused.linkedTxIds[i]);
            assertEquals(source.linkedReasons[i], reused.linkedReasons[i]);
            assertEquals(source.alertTypes[i], reused.alertTypes[i]);
            assertEquals(source.alertScopes[i], reused.alertScopes[i]);
            assertEquals(source.alertAssetIds[i], reused.alertAssetIds[i]);
            assertEquals(source.alertWalletIds[i], reused.alertWalletIds[i]);
            assertEquals(source.alertAccountIds[i], reused.alertAccountIds[i]);
        }
        final int figures = 2 * AlertType.FIGURES_MAX;
        assertArrayEquals(Arrays.copyOf(source.alertFigures, figures),
            Arrays.copyOf(reused.alertFigures, figures));
    }

    /** A decision whose every field is derived from {@code id}, with that many linked commands and alerts. */
    private static GatewayDecision decision(final long id, final int linked, final int alerts)
    {
        final GatewayDecision d = new GatewayDecision();
        d.correlationId = id;
        d.seq = id * 10;
        d.txId = id * 100;
        d.reason = id % 2 == 0 ? Reason.OK : Reason.INSUFFICIENT_AVAILABLE;
        d.timestampNs = id * 1_000;
        d.duplicate = id % 3 == 0;
        d.linkedCount = linked;
        for (int i = 0; i < linked; i++)
        {
            d.linkedTxIds[i] = id + i;
            d.linkedReasons[i] = Reason.LINKED_COMMAND_FAILED;
        }
        d.alertCount = alerts;
        for (int i = 0; i < alerts; i++)
        {
            d.alertTypes[i] = AlertType.values()[(int)(id + i) % AlertType.values().length];
            d.alertScopes[i] = AlertScope.values()[(int)(id + i) % AlertScope.values().length];
            d.alertAssetIds[i] = (int)id + i;
            d.alertWalletIds[i] = id + 2 * i;
            d.alertAccountIds[i] = id + 3 * i;
            for (int f = 0; f < AlertType.FIGURES_MAX; f++)
            {
                d.alertFigures[i * AlertType.FIGURES_MAX + f] = id * 7 + i * 11 + f;
            }
        }
        return d;
    }
}
