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
    private static final int COMMANDS = 20_000;

    @Test
    void shouldDecideAsTheEngineTargetDoes() throws InterruptedException
    {
        final EngineTarget engine = new EngineTarget(42);
        final LinkedTarget linked = new LinkedTarget(42);
        final long txIdsMax = LoadHarness.SETUP_TX_IDS + 2L * COMMANDS;
        engine.start(1, txIdsMax);
        linked.start(1, txIdsMax);
        try
        {
            // As the harness runs it: set up on this thread, driven from a producer thread of its own.
            final int[] accepted = new int[1];
            final AssertionError[] failed = new AssertionError[1];
            final Thread producer = new Thread(() ->
            {
                try
                {
                    for (int i = 0; i < COMMANDS; i++)
                    {
                        final boolean expected = engine.next(0);
                        assertEquals(expected, linked.next(0), "command " + i);
                        accepted[0] += expected ? 1 : 0;
                    }
                }
                catch (final AssertionError ex)
                {
                    failed[0] = ex;
                }
            }, "load-producer-0");
            producer.start();
            producer.join();
            if (failed[0] != null)
            {
                throw failed[0];
            }
            assertNull(linked.problem());
            assertTrue(accepted[0] > COMMANDS * 9 / 10, "the workload's mix: " + accepted[0] + " accepted");
        }
        finally
        {
            engine.close();
            linked.close();
        }
    }
}
