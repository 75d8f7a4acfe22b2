package io.ledgerguard.bench;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The harness's {@code linked} target decides the workload exactly as the {@code engine} target does, command by
 * command: the journal's append is all that lies between them.
 */
class LinkedTargetTest
{
    private static final int COMMANDS = 50_000;

    @Test
    void shouldDecideAsTheEngineTargetDoes()
    {
        final EngineTarget engine = new EngineTarget(42);
        final LinkedTarget linked = new LinkedTarget(42);
        final long txIdsMax = LoadHarness.SETUP_TX_IDS + 2L * COMMANDS;
        engine.start(1, txIdsMax);
        linked.start(1, txIdsMax);
        try
        {
            int accepted = 0;
            for (int i = 0; i < COMMANDS; i++)
            {
                final boolean expected = engine.next(0);
                assertEquals(expected, linked.next(0), "command " + i);
                accepted += expected ? 1 : 0;
            }
            assertNull(linked.problem());
            assertTrue(accepted > COMMANDS * 9 / 10, "the workload's mix: " + accepted + " accepted");
        }
        finally
        {
            engine.close();
            linked.close();
        }
    }
}
