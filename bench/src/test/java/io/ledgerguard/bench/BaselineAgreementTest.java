package io.ledgerguard.bench;

import org.junit.jupiter.api.Test;

import io.ledgerguard.core.Command;
import io.ledgerguard.core.Decision;
import io.ledgerguard.core.GuardEngine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The conventional baseline implements the same rules as the guard for the workload it is measured on: fed the same
 * commands in the same order on one thread, it accepts and rejects exactly what the guard does. The bare baseline
 * checks nothing and rejects nothing.
 */
class BaselineAgreementTest
{
    private static final int COMMANDS = 150_000;

    @Test
    void shouldDecideAsTheGuardDoesOnTheWorkload()
    {
        final ExchangeWorkload forGuard = new ExchangeWorkload(42, LoadHarness.WORKLOAD_RING_BITS);
        final GuardEngine engine = new GuardEngine(LoadHarness.config(LoadHarness.SETUP_TX_IDS + 2L * COMMANDS));
        forGuard.fund(engine);

        final BaselineTargets.Locked locked = new BaselineTargets.Locked(42);
        locked.start(1, LoadHarness.SETUP_TX_IDS + 2L * COMMANDS);
        final BaselineTargets.Bare bare = new BaselineTargets.Bare(42);
        bare.start(1, LoadHarness.SETUP_TX_IDS + 2L * COMMANDS);

        final Decision decision = new Decision();
        final Command copy = new Command();
        int rejected = 0;
        for (int i = 0; i < COMMANDS; i++)
        {
            final Command command = forGuard.next(engine);
            copy.copyFrom(command);
            engine.apply(command, decision);
            final boolean baseline = locked.next(0);
            assertEquals(decision.accepted(), baseline, () -> "the baseline decided otherwise on " + copy + ": " +
                decision);
            assertTrue(bare.next(0));
            rejected += decision.accepted() ? 0 : 1;
        }
        assertTrue(rejected > COMMANDS / 100, "the mix rejects some on purpose: rejected=" + rejected);
        locked.close();
        bare.close();
    }
}
