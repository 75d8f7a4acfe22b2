package io.ledgerguard.core;

import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A named rejection for parameterised tests: a guard, what to do to it first, the command under test and the reason
 * it must be rejected with. The standard guard is {@link #world()}.
 */
final class RejectScenario
{
    static final long ALICE = 1001;
    static final long BOB = 1002;
    static final long OPS = 9;
    static final long LENDER = 7;
    /** An order hold of ALICE's: 200 BTC units. */
    static final long ORDER_HOLD = 77;
    /** A withdrawal hold of ALICE's from the HOT wallet: 100 BTC units. */
    static final long WITHDRAWAL_HOLD = 78;

    final String name;
    final Supplier<GuardFixture> fixture;
    final Consumer<GuardFixture> setup;
    final Function<GuardFixture, Decision> command;
    final Reason expected;

    private RejectScenario(
        final String name,
        final Supplier<GuardFixture> fixture,
        final Consumer<GuardFixture> setup,
        final Function<GuardFixture, Decision> command,
        final Reason expected)
    {
        this.name = name;
        this.fixture = fixture;
        this.setup = setup;
        this.command = command;
        this.expected = expected;
    }

    static RejectScenario of(
        final Reason expected, final String name, final Function<GuardFixture, Decision> command)
    {
        return new RejectScenario(name, RejectScenario::world, f -> { }, command, expected);
    }

    static RejectScenario of(
        final Reason expected,
        final String name,
        final Consumer<GuardFixture> setup,
        final Function<GuardFixture, Decision> command)
    {
        return new RejectScenario(name, RejectScenario::world, setup, command, expected);
    }

    static RejectScenario of(
        final Reason expected,
        final String name,
        final Supplier<GuardFixture> fixture,
        final Consumer<GuardFixture> setup,
        final Function<GuardFixture, Decision> command)
    {
        return new RejectScenario(name, fixture, setup, command, expected);
    }

    /**
     * The standard guard, every wallet attested:
     * ALICE and BOB customers, OPS an operator, LENDER a BTC credit line with a limit of 500;
     * ALICE funded with 1000 BTC units and 10000 USD units, OPS with 1000 BTC units;
     * ALICE's order hold {@link #ORDER_HOLD} of 200 BTC and withdrawal {@link #WITHDRAWAL_HOLD} of 100 BTC from HOT.
     * So ALICE has 700 BTC available and 300 held; BTC holdings and obligations are both 2000 (all in HOT).
     */
    static GuardFixture world()
    {
        return world(config -> { });
    }

    static GuardFixture world(final Consumer<GuardConfig> tweak)
    {
        // Scenarios lower holdings by attesting to break cover: the automatic kill switches would halt the asset.
        final GuardFixture f = GuardFixture.attested(GuardFixture.DISARMED.andThen(tweak));
        GuardFixture.expectAccepted(f.openAccount(ALICE, AccountKind.CUSTOMER));
        GuardFixture.expectAccepted(f.openAccount(BOB, AccountKind.CUSTOMER));
        GuardFixture.expectAccepted(f.openAccount(OPS, AccountKind.OPERATOR));
        GuardFixture.expectAccepted(f.openCreditLine(LENDER, "BTC", 500));
        f.fund(ALICE, "BTC", 1000);
        f.fund(ALICE, "USD", 10000);
        f.fund(OPS, "BTC", 1000);
        GuardFixture.expectAccepted(f.hold(ORDER_HOLD, ALICE, "BTC", 200));
        GuardFixture.expectAccepted(f.withdraw(WITHDRAWAL_HOLD, ALICE, GuardFixture.HOT, "BTC", 100));
        return f;
    }

    @Override
    public String toString()
    {
        return expected + ": " + name;
    }
}
