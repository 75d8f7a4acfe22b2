package io.ledgerguard.core;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

import io.ledgerguard.core.pipeline.InMemoryJournal;
import io.ledgerguard.core.pipeline.LedgerGuard;
import io.ledgerguard.core.pipeline.PipelineContext;

import static io.ledgerguard.core.GuardFixture.HOT;
import static io.ledgerguard.core.GuardFixture.START_MS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Reading the state from another thread: what a view holds, the frozen accounts' count through freezes, unfreezes
 * and a reversal's shortfall, and that a reader never sees a command half-applied while the guard is busy.
 */
class StateViewTest
{
    @Test
    void shouldHoldTheAccountTheWalletsAndTheKillSwitches()
    {
        final GuardFixture f = GuardFixture.attested();
        f.openAccount(1, AccountKind.CUSTOMER);
        f.openAccount(2, AccountKind.CUSTOMER);
        f.inflow(HOT, "BTC", 1_000, "tx-1");
        f.deposit(1, "BTC", 1_000, "tx-1");
        f.hold(7, 1, "BTC", 300);
        final StateView view = new StateView(f.engine);
        view.accountId = 1;
        assertTrue(f.engine.readState(view));
        assertTrue(view.accountFound);
        assertEquals(AccountKind.CUSTOMER, view.accountKind());
        assertEquals(AccountStatus.ACTIVE, view.accountStatus());
        final int btc = f.assetIndex("BTC");
        final int usd = f.assetIndex("USD");
        assertTrue(view.hasPosition[btc]);
        assertEquals(700, view.available[btc]);
        assertEquals(300, view.held[btc]);
        assertFalse(view.hasPosition[usd]);
        final int hot = f.walletIndex(HOT);
        assertEquals(f.engine.walletExpected(hot), view.walletExpected[hot]);
        assertEquals(1_000, view.walletExpected[hot]);
        assertEquals(START_MS, view.walletAttestedAtMs[hot]);
        assertFalse(view.haltedAll);
        assertEquals(0, view.frozenAccounts);
        assertEquals(f.engine.commandsApplied(), view.commandsApplied);

        f.freeze(2);
        f.freeze(2);
        assertTrue(f.engine.readState(view));
        assertEquals(1, view.frozenAccounts, "a second freeze of a frozen account counts once");
        f.unfreeze(2);
        f.unfreeze(2);
        assertTrue(f.engine.readState(view));
        assertEquals(0, view.frozenAccounts);
        f.freeze(1);
        assertTrue(f.engine.readState(view));
        assertEquals(AccountStatus.FROZEN, view.accountStatus());
        assertEquals(1, view.frozenAccounts);
        assertNull(f.engine.checkInvariants());

        view.accountId = 99;
        assertTrue(f.engine.readState(view));
        assertFalse(view.accountFound);
        assertNull(view.accountStatus());

        // A batch that freezes account 2 and then fails is rolled back, the count with it.
        final Decision rolledBack = f.batch(() ->
        {
            f.freeze(2);
            f.transfer(2, 1, "BTC", 5);
        });
        assertFalse(rolledBack.accepted());
        assertEquals(Reason.LINKED_COMMAND_FAILED, rolledBack.linkedReasons[0], "the freeze itself was taken: " +
            rolledBack);
        assertTrue(f.engine.readState(view));
        assertEquals(1, view.frozenAccounts);
        assertNull(f.engine.checkInvariants());

        // A snapshot written before the count was kept holds 0 there: restoring one counts again.
        final GuardEngine restored = new GuardEngine(f.engine.config());
        f.engine.copyStateTo(restored);
        for (int part = 0; part < restored.statePartCount(); part++)
        {
            if (restored.statePartName(part).equals("globals"))
            {
                restored.statePart(part).putLong(4 * 8, 0);
            }
        }
        restored.stateRestored(f.engine.commandsApplied());
        assertTrue(restored.readState(view));
        assertEquals(1, view.frozenAccounts);
        assertNull(restored.checkInvariants());
    }

    @Test
    void shouldNeverShowACommandHalfAppliedWhileTheGuardIsBusy() throws Exception
    {
        final GuardFixture f = GuardFixture.attested(config -> config.limits().txIdsMax = 1 << 16);
        f.openAccount(1, AccountKind.CUSTOMER);
        f.inflow(HOT, "BTC", 1_000_000, "tx-1");
        f.deposit(1, "BTC", 1_000_000, "tx-1");
        final int btc = f.assetIndex("BTC");
        final LedgerGuard guard = new LedgerGuard(f.engine, new PipelineContext()
            .journal(new InMemoryJournal(64 << 20))
            .firstSeq(f.engine.commandsApplied() + 1)
            .clock(() -> START_MS * 1_000_000L));
        final AtomicBoolean running = new AtomicBoolean(true);
        final AtomicReference<String> problem = new AtomicReference<>();
        final AtomicLong reads = new AtomicLong();
        final Thread reader = new Thread(() ->
        {
            final StateView view = guard.newStateView();
            view.accountId = 1;
            long lastApplied = 0;
            while (running.get())
            {
                if (!guard.readState(view, 5_000))
                {
                    problem.compareAndSet(null, "no reading within 5 s");
                    return;
                }
                // A hold moves available to held and a release moves it back: a torn reading would show another sum.
                if (view.available[btc] + view.held[btc] != 1_000_000 || view.commandsApplied < lastApplied)
                {
                    problem.compareAndSet(null, "read available=" + view.available[btc] + ", held=" +
                        view.held[btc] + " after " + view.commandsApplied + " commands");
                }
                lastApplied = view.commandsApplied;
                reads.incrementAndGet();
            }
        }, "state-reader");
        reader.start();
        try
        {
            final Command command = new Command();
            long txId = 1_000;
            for (int i = 0; i < 10_000; i++)
            {
                command.reset();
                command.type = CommandType.HOLD;
                command.txId = txId++;
                command.holdId = 50_000 + i;
                command.accountId = 1;
                command.assetId = GuardFixture.BTC;
                command.amount = 1 + i % 1_000;
                assertTrue(guard.submit(command).accepted());
                command.reset();
                command.type = CommandType.RELEASE;
                command.txId = txId++;
                command.holdId = 50_000 + i;
                command.amount = 1 + i % 1_000;
                assertTrue(guard.submit(command).accepted());
            }
        }
        finally
        {
            running.set(false);
            reader.join();
            guard.close();
        }
        assertNull(problem.get());
        assertTrue(reads.get() > 0);
    }
}
