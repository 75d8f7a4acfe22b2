package io.ledgerguard.core;

import org.agrona.MutableDirectBuffer;
import org.junit.jupiter.api.Test;

import io.ledgerguard.core.engine.StatePart;
import io.ledgerguard.core.internal.PositionDescriptor;

import static io.ledgerguard.core.GuardFixture.HOT;
import static io.ledgerguard.core.GuardFixture.expectAccepted;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The invariant audit ({@link GuardEngine#checkInvariants()}) names a position whose figures were changed behind the
 * engine's back: one whose pending withdrawals differ from its withdrawal holds, and one holding less than nothing.
 */
class EngineAuditorTest
{
    private static final long ALICE = 100;
    private static final long BOB = 200;

    @Test
    void shouldFindPendingWithdrawalsThatDifferFromTheWithdrawalHolds()
    {
        final GuardFixture f = withdrawing();
        final int offset = changePosition(f.engine, ALICE, PositionDescriptor.WITHDRAWAL_HELD, 300);

        assertEquals("I3: position at offset " + offset + " pending withdrawals differ from its withdrawal holds by " +
            -100, f.engine.checkInvariants());
    }

    @Test
    void shouldFindAPositionHoldingLessThanNothing()
    {
        final GuardFixture f = withdrawing();
        changePosition(f.engine, BOB, PositionDescriptor.HELD, -1);

        assertEquals("I1: position accountId=" + BOB + ", asset=BTC held=-1 < 0", f.engine.checkInvariants());
    }

    /**
     * @return a guard where Alice and Bob each have 400 of their 1,000 BTC held by a withdrawal, the audit clean.
     */
    private static GuardFixture withdrawing()
    {
        final GuardFixture f = GuardFixture.attested();
        f.openAccount(ALICE, AccountKind.CUSTOMER);
        f.fund(ALICE, "BTC", 1_000);
        f.openAccount(BOB, AccountKind.CUSTOMER);
        f.fund(BOB, "BTC", 1_000);
        expectAccepted(f.withdraw(78, ALICE, HOT, "BTC", 400));
        expectAccepted(f.withdraw(79, BOB, HOT, "BTC", 400));
        assertNull(f.engine.checkInvariants());
        return f;
    }

    /**
     * Write a word of an account's only position in the live table, as a bug or a bad restore might.
     *
     * @return the position's offset.
     */
    private static int changePosition(final GuardEngine engine, final long accountId, final int word, final long value)
    {
        final int[] found = {-1};
        engine.forEachStateEntry(StatePart.POSITIONS.ordinal(), (buffer, offset) ->
        {
            if (buffer.getLong(offset + PositionDescriptor.ACCOUNT_ID * 8) == accountId)
            {
                ((MutableDirectBuffer)buffer).putLong(offset + word * 8, value);
                found[0] = offset;
            }
        });
        assertTrue(found[0] >= 0, "no position of accountId=" + accountId);
        return found[0];
    }
}
