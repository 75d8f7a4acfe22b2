package io.ledgerguard.core;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import static io.ledgerguard.core.GuardFixture.BANK;
import static io.ledgerguard.core.GuardFixture.BTC;
import static io.ledgerguard.core.GuardFixture.COLD;
import static io.ledgerguard.core.GuardFixture.HOT;
import static io.ledgerguard.core.RejectScenario.ALICE;
import static io.ledgerguard.core.RejectScenario.BOB;
import static io.ledgerguard.core.RejectScenario.LENDER;
import static io.ledgerguard.core.RejectScenario.OPS;
import static io.ledgerguard.core.RejectScenario.ORDER_HOLD;
import static io.ledgerguard.core.RejectScenario.WITHDRAWAL_HOLD;
import static io.ledgerguard.core.RejectScenario.world;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A command that breaks two rules at once is rejected for the one checked first, in the order written in
 * docs/reject-reasons.md; each pair also shows the later rule on its own, so that neither half is vacuous.
 */
class RejectOrderTest
{
    private static final long MAX = Long.MAX_VALUE;
    private static final String LONG_REF = "x".repeat(Command.CHAIN_REF_LENGTH_MAX + 1);
    private static final String EVERY = "Every command";

    /**
     * @param section    the heading of docs/reject-reasons.md that lists the rules.
     * @param name       what breaks.
     * @param fixture    the guard.
     * @param setup      what to do to it first.
     * @param both       a command breaking both rules.
     * @param first      the reason of the rule checked first.
     * @param secondOnly the same kind of command (possibly after a change of state) breaking only the later rule.
     * @param second     the reason of the later rule.
     */
    record Order(
        String section,
        String name,
        Supplier<GuardFixture> fixture,
        Consumer<GuardFixture> setup,
        Function<GuardFixture, Decision> both,
        Reason first,
        Function<GuardFixture, Decision> secondOnly,
        Reason second)
    {
        @Override
        public String toString()
        {
            return section + ": " + first + " before " + second + " (" + name + ")";
        }
    }

    private static final List<Order> ORDERS = new ArrayList<>();

    private static void order(
        final String section,
        final Reason first,
        final Reason second,
        final String name,
        final Consumer<GuardFixture> setup,
        final Function<GuardFixture, Decision> both,
        final Function<GuardFixture, Decision> secondOnly)
    {
        order(section, first, second, name, RejectScenario::world, setup, both, secondOnly);
    }

    private static void order(
        final String section,
        final Reason first,
        final Reason second,
        final String name,
        final Supplier<GuardFixture> fixture,
        final Consumer<GuardFixture> setup,
        final Function<GuardFixture, Decision> both,
        final Function<GuardFixture, Decision> secondOnly)
    {
        ORDERS.add(new Order(section, name, fixture, setup, both, first, secondOnly, second));
    }

    private static final Consumer<GuardFixture> NONE = f -> { };

    private static Supplier<GuardFixture> capped()
    {
        return () -> world(c -> c.assetByCode("BTC").creditCapMinorUnits = 1000);
    }

    private static Supplier<GuardFixture> limited(final Consumer<GuardConfig.Limits> limits)
    {
        return () -> world(c -> limits.accept(c.limits()));
    }

    private static void stale(final GuardFixture f)
    {
        f.advanceMs(GuardFixture.AGE_MS_MAX + 1);
    }

    private static Command openWithLimits(
        final GuardFixture f, final long accountId, final AccountKind kind, final int[] assetIds, final long[] limits)
    {
        final Command c = f.begin(CommandType.OPEN_ACCOUNT);
        c.accountId = accountId;
        c.accountKind = kind;
        for (int i = 0; i < assetIds.length; i++)
        {
            c.addCreditLimit(assetIds[i], limits[i]);
        }
        return c;
    }

    private static Decision adjustWithMemo(
        final GuardFixture f, final long accountId, final int assetId, final int memo)
    {
        final Command c = f.begin(CommandType.ADJUST);
        c.accountId = accountId;
        c.assetId = assetId;
        c.amount = 1;
        c.memo("m".repeat(memo));
        return f.submit(c);
    }

    static
    {
        // Every command: type, txId, idempotency, then the command's own rules.
        order(EVERY, Reason.MALFORMED_COMMAND, Reason.TX_ID_MUST_BE_POSITIVE, "no type and txId 0", NONE,
            f ->
            {
                final Command c = f.txId(0).begin(CommandType.TRANSFER);
                c.type = null;
                return f.submit(c);
            },
            f -> f.txId(0).transfer(ALICE, BOB, "BTC", 1));
        order(EVERY, Reason.TX_ID_MUST_BE_POSITIVE, Reason.AMOUNT_MUST_BE_POSITIVE, "txId 0 and amount 0", NONE,
            f -> f.txId(0).transfer(ALICE, BOB, "BTC", 0),
            f -> f.txId(600).transfer(ALICE, BOB, "BTC", 0));
        order(EVERY, Reason.TX_ID_REUSED, Reason.AMOUNT_MUST_BE_POSITIVE, "known txId and amount 0",
            f -> f.txId(500).transfer(ALICE, BOB, "BTC", 1),
            f -> f.txId(500).transfer(ALICE, BOB, "BTC", 0),
            f -> f.txId(501).transfer(ALICE, BOB, "BTC", 0));
        order(EVERY, Reason.TX_ID_REUSED, Reason.ASSET_HALTED, "known txId and halted asset",
            f ->
            {
                f.txId(500).transfer(ALICE, BOB, "BTC", 1);
                f.halt("BTC");
            },
            f -> f.txId(500).transfer(ALICE, BOB, "BTC", 2),
            f -> f.txId(700).transfer(ALICE, BOB, "BTC", 2));
        order(EVERY, Reason.BATCH_TOO_LARGE, Reason.TX_ID_REUSED, "impossible batch count and known txId",
            f -> f.txId(500).transfer(ALICE, BOB, "BTC", 1),
            f ->
            {
                final Command c = f.txId(500).begin(CommandType.BATCH);
                c.batchCount = Command.BATCH_COMMANDS_MAX + 1;
                return f.submit(c);
            },
            f -> f.txId(500).batch(() -> f.freeze(ALICE)));

        // OPEN_ACCOUNT
        final String open = "OPEN_ACCOUNT";
        order(open, Reason.ACCOUNT_ID_MUST_NOT_BE_ZERO, Reason.ACCOUNT_KIND_MUST_BE_SET, "id 0 and no kind", NONE,
            f -> f.openAccount(0, null), f -> f.openAccount(50, null));
        order(open, Reason.ACCOUNT_KIND_MUST_BE_SET, Reason.CREDIT_LIMIT_ONLY_FOR_CREDIT_LINE,
            "no kind and a credit limit", NONE,
            f -> f.submit(openWithLimits(f, 50, null, new int[] {BTC}, new long[] {1})),
            f -> f.submit(openWithLimits(f, 50, AccountKind.CUSTOMER, new int[] {BTC}, new long[] {1})));
        order(open, Reason.CREDIT_LIMIT_ONLY_FOR_CREDIT_LINE, Reason.CREDIT_LIMIT_MUST_NOT_BE_NEGATIVE,
            "customer with a negative limit", NONE,
            f -> f.submit(openWithLimits(f, 50, AccountKind.CUSTOMER, new int[] {BTC}, new long[] {-1})),
            f -> f.submit(openWithLimits(f, 50, AccountKind.CREDIT_LINE, new int[] {BTC}, new long[] {-1})));
        order(open, Reason.CREDIT_LIMIT_MUST_NOT_BE_NEGATIVE, Reason.ASSET_NOT_FOUND,
            "negative limit for an unknown asset", NONE,
            f -> f.submit(openWithLimits(f, 50, AccountKind.CREDIT_LINE, new int[] {77}, new long[] {-1})),
            f -> f.submit(openWithLimits(f, 50, AccountKind.CREDIT_LINE, new int[] {77}, new long[] {1})));
        order(open, Reason.ASSET_NOT_FOUND, Reason.MALFORMED_COMMAND, "one unknown asset given twice", NONE,
            f -> f.submit(openWithLimits(f, 50, AccountKind.CREDIT_LINE, new int[] {77, 77}, new long[] {1, 1})),
            f -> f.submit(openWithLimits(f, 50, AccountKind.CREDIT_LINE, new int[] {BTC, BTC}, new long[] {1, 1})));
        order(open, Reason.MALFORMED_COMMAND, Reason.ASSET_NOT_FOUND, "an asset twice before an unknown one", NONE,
            f -> f.submit(openWithLimits(
                f, 50, AccountKind.CREDIT_LINE, new int[] {BTC, BTC, 77}, new long[] {1, 1, 1})),
            f -> f.submit(openWithLimits(f, 50, AccountKind.CREDIT_LINE, new int[] {BTC, 77}, new long[] {1, 1})));
        order(open, Reason.ASSET_NOT_FOUND, Reason.ACCOUNT_ALREADY_EXISTS, "existing id, unknown asset", NONE,
            f -> f.openCreditLine(LENDER, "XXX", 1), f -> f.openCreditLine(LENDER, "BTC", 1));
        order(open, Reason.ACCOUNT_ALREADY_EXISTS, Reason.CAPACITY_EXHAUSTED, "existing id, table full",
            limited(l -> l.accountsMax = 4), NONE,
            f -> f.openAccount(ALICE, AccountKind.CUSTOMER), f -> f.openAccount(50, AccountKind.CUSTOMER));

        // INFLOW
        final String inflow = "INFLOW";
        order(inflow, Reason.AMOUNT_MUST_BE_POSITIVE, Reason.CHAIN_REF_MUST_NOT_BE_EMPTY, "amount 0, no ref", NONE,
            f -> f.inflow(HOT, "BTC", 0, ""), f -> f.inflow(HOT, "BTC", 1, ""));
        order(inflow, Reason.CHAIN_REF_TOO_LONG, Reason.ASSET_NOT_FOUND, "long ref, unknown asset", NONE,
            f -> f.inflow(HOT, "XXX", 1, LONG_REF), f -> f.inflow(HOT, "XXX", 1, "ok"));
        order(inflow, Reason.ASSET_NOT_FOUND, Reason.WALLET_NOT_FOUND, "unknown asset and wallet", NONE,
            f -> f.inflow(99, "XXX", 1, "w"), f -> f.inflow(99, "BTC", 1, "w"));
        order(inflow, Reason.WALLET_ASSET_MISMATCH, Reason.INFLOW_ALREADY_RECORDED, "wrong wallet, known ref",
            f -> f.inflow(HOT, "BTC", 1, "r"),
            f -> f.inflow(BANK, "BTC", 1, "r"), f -> f.inflow(COLD, "BTC", 1, "r"));
        order(inflow, Reason.INFLOW_ALREADY_RECORDED, Reason.AMOUNT_OVERFLOW, "known ref, overflowing amount",
            f -> f.inflow(HOT, "BTC", 1, "r"),
            f -> f.inflow(COLD, "BTC", MAX, "r"), f -> f.inflow(COLD, "BTC", MAX, "r2"));
        order(inflow, Reason.AMOUNT_OVERFLOW, Reason.CAPACITY_EXHAUSTED, "overflowing amount, table full",
            limited(l -> l.inflowsMax = 3), NONE,
            f -> f.inflow(COLD, "BTC", MAX, "r"), f -> f.inflow(COLD, "BTC", 1, "r"));

        // DEPOSIT
        final String deposit = "DEPOSIT";
        order(deposit, Reason.AMOUNT_MUST_BE_POSITIVE, Reason.ACCOUNT_ID_MUST_NOT_BE_ZERO, "amount 0, account 0", NONE,
            f -> f.deposit(0, "BTC", 0, "d"), f -> f.deposit(0, "BTC", 1, "d"));
        order(deposit, Reason.ACCOUNT_ID_MUST_NOT_BE_ZERO, Reason.CHAIN_REF_MUST_NOT_BE_EMPTY, "account 0, no ref",
            NONE, f -> f.deposit(0, "BTC", 1, ""), f -> f.deposit(ALICE, "BTC", 1, ""));
        order(deposit, Reason.CHAIN_REF_TOO_LONG, Reason.ASSET_NOT_FOUND, "long ref, unknown asset", NONE,
            f -> f.deposit(ALICE, "XXX", 1, LONG_REF), f -> f.deposit(ALICE, "XXX", 1, "d"));
        order(deposit, Reason.ASSET_NOT_FOUND, Reason.ACCOUNT_NOT_FOUND, "unknown asset and account", NONE,
            f -> f.deposit(4242, "XXX", 1, "d"), f -> f.deposit(4242, "BTC", 1, "d"));
        order(deposit, Reason.ACCOUNT_NOT_FOUND, Reason.INFLOW_NOT_FOUND, "unknown account and inflow", NONE,
            f -> f.deposit(4242, "BTC", 1, "nope"), f -> f.deposit(ALICE, "BTC", 1, "nope"));
        order(deposit, Reason.INFLOW_ASSET_MISMATCH, Reason.ASSET_HALTED, "other asset's inflow, halted asset",
            f ->
            {
                f.inflow(HOT, "BTC", 10, "d");
                f.halt("USD");
            },
            f -> f.deposit(ALICE, "USD", 10, "d"),
            f ->
            {
                f.inflow(BANK, "USD", 10, "u");
                return f.deposit(ALICE, "USD", 10, "u");
            });
        order(deposit, Reason.ASSET_HALTED, Reason.ASSET_RESTRICTED, "halted and stale",
            f ->
            {
                f.inflow(HOT, "BTC", 10, "d");
                f.halt("BTC");
                stale(f);
            },
            f -> f.deposit(ALICE, "BTC", 10, "d"),
            f ->
            {
                f.resume("BTC");
                return f.deposit(ALICE, "BTC", 10, "d");
            });
        order(deposit, Reason.ASSET_RESTRICTED, Reason.INFLOW_AMOUNT_EXCEEDED, "stale, past the inflow",
            f ->
            {
                f.inflow(HOT, "BTC", 10, "d");
                stale(f);
            },
            f -> f.deposit(ALICE, "BTC", 11, "d"),
            f ->
            {
                f.attestAll();
                return f.deposit(ALICE, "BTC", 11, "d");
            });
        order(deposit, Reason.INFLOW_AMOUNT_EXCEEDED, Reason.CREDIT_CAP_EXCEEDED, "past the inflow and the cap",
            capped(), f -> f.inflow(HOT, "BTC", 1500, "d"),
            f -> f.deposit(ALICE, "BTC", 1600, "d"), f -> f.deposit(ALICE, "BTC", 1500, "d"));
        order(deposit, Reason.CREDIT_CAP_EXCEEDED, Reason.RESERVE_COVER_EXCEEDED, "past the cap and the cover",
            capped(),
            f ->
            {
                f.inflow(HOT, "BTC", 1500, "d");
                f.attest(HOT, "BTC", 0);
            },
            f -> f.deposit(ALICE, "BTC", 1500, "d"), f -> f.deposit(ALICE, "BTC", 10, "d"));
        order(deposit, Reason.AMOUNT_OVERFLOW, Reason.RESERVE_COVER_EXCEEDED, "overflowing balance and no cover",
            f ->
            {
                f.attest(COLD, "BTC", MAX - 2000);
                f.adjust(BOB, "BTC", MAX - 2100);
                f.attest(COLD, "BTC", 0);
                f.inflow(COLD, "BTC", 2200, "d");
            },
            f -> f.deposit(BOB, "BTC", 2200, "d"), f -> f.deposit(BOB, "BTC", 10, "d"));
        order(deposit, Reason.RESERVE_COVER_EXCEEDED, Reason.CAPACITY_EXHAUSTED, "no cover, position table full",
            limited(l -> l.positionsMax = 4),
            f ->
            {
                f.inflow(HOT, "BTC", 10, "d");
                f.attest(HOT, "BTC", 0);
            },
            f -> f.deposit(BOB, "BTC", 10, "d"),
            f ->
            {
                f.inflow(COLD, "BTC", 5000, "e");
                return f.deposit(BOB, "BTC", 10, "d");
            });

        // TRANSFER
        final String transfer = "TRANSFER";
        order(transfer, Reason.AMOUNT_MUST_BE_POSITIVE, Reason.ASSET_NOT_FOUND, "amount 0, unknown asset", NONE,
            f -> f.transfer(ALICE, BOB, "XXX", 0), f -> f.transfer(ALICE, BOB, "XXX", 1));
        order(transfer, Reason.ACCOUNT_ID_MUST_NOT_BE_ZERO, Reason.ASSET_NOT_FOUND, "account 0, unknown asset", NONE,
            f -> f.transfer(ALICE, 0, "XXX", 1), f -> f.transfer(ALICE, BOB, "XXX", 1));
        order(transfer, Reason.ACCOUNTS_MUST_BE_DIFFERENT, Reason.ASSET_NOT_FOUND, "to self, unknown asset", NONE,
            f -> f.transfer(ALICE, ALICE, "XXX", 1), f -> f.transfer(ALICE, BOB, "XXX", 1));
        order(transfer, Reason.ASSET_NOT_FOUND, Reason.ACCOUNT_NOT_FOUND, "unknown asset and account", NONE,
            f -> f.transfer(ALICE, 4242, "XXX", 1), f -> f.transfer(ALICE, 4242, "BTC", 1));
        order(transfer, Reason.ASSET_NOT_FOUND, Reason.ACCOUNT_FROZEN, "unknown asset, frozen account",
            f -> f.freeze(ALICE), f -> f.transfer(ALICE, BOB, "XXX", 1), f -> f.transfer(ALICE, BOB, "BTC", 1));
        order(transfer, Reason.ACCOUNT_NOT_FOUND, Reason.HOLD_NOT_FOUND, "unknown account and hold", NONE,
            f -> f.transferFromHold(4242, 4343, BOB, "BTC", 1), f -> f.transferFromHold(4242, ALICE, BOB, "BTC", 1));
        order(transfer, Reason.HOLD_NOT_FOUND, Reason.ASSET_HALTED, "unknown hold, halted asset",
            f -> f.halt("BTC"),
            f -> f.transferFromHold(4242, ALICE, BOB, "BTC", 1), f -> f.transfer(ALICE, BOB, "BTC", 1));
        order(transfer, Reason.HOLD_IS_WITHDRAWAL, Reason.HOLD_ACCOUNT_MISMATCH, "another's withdrawal", NONE,
            f -> f.transferFromHold(WITHDRAWAL_HOLD, BOB, ALICE, "BTC", 1),
            f -> f.transferFromHold(ORDER_HOLD, BOB, ALICE, "BTC", 1));
        order(transfer, Reason.HOLD_ACCOUNT_MISMATCH, Reason.HOLD_ASSET_MISMATCH, "another's hold, other asset", NONE,
            f -> f.transferFromHold(ORDER_HOLD, BOB, ALICE, "USD", 1),
            f -> f.transferFromHold(ORDER_HOLD, ALICE, BOB, "USD", 1));
        order(transfer, Reason.ASSET_HALTED, Reason.INSUFFICIENT_AVAILABLE, "halted, insufficient funds",
            f -> f.halt("BTC"),
            f -> f.transfer(ALICE, BOB, "BTC", 701),
            f ->
            {
                f.resume("BTC");
                return f.transfer(ALICE, BOB, "BTC", 701);
            });
        order(transfer, Reason.ASSET_HALTED, Reason.ACCOUNT_FROZEN, "halted, frozen",
            f ->
            {
                f.halt("BTC");
                f.freeze(ALICE);
            },
            f -> f.transfer(ALICE, BOB, "BTC", 1),
            f ->
            {
                f.resume("BTC");
                return f.transfer(ALICE, BOB, "BTC", 1);
            });
        order(transfer, Reason.ASSET_RESTRICTED, Reason.ACCOUNT_FROZEN, "a loan while stale, frozen lender",
            f ->
            {
                f.inflow(COLD, "BTC", 10, "c");
                f.freeze(LENDER);
                stale(f);
            },
            f -> f.transfer(LENDER, BOB, "BTC", 1),
            f ->
            {
                f.attestAll();
                return f.transfer(LENDER, BOB, "BTC", 1);
            });
        order(transfer, Reason.ACCOUNT_FROZEN, Reason.INSUFFICIENT_AVAILABLE, "frozen, insufficient",
            f -> f.freeze(ALICE),
            f -> f.transfer(ALICE, BOB, "BTC", 701),
            f ->
            {
                f.unfreeze(ALICE);
                return f.transfer(ALICE, BOB, "BTC", 701);
            });
        order(transfer, Reason.ACCOUNT_FROZEN, Reason.HOLD_AMOUNT_EXCEEDED, "frozen, past the hold",
            f -> f.freeze(ALICE),
            f -> f.transferFromHold(ORDER_HOLD, ALICE, BOB, "BTC", 201),
            f ->
            {
                f.unfreeze(ALICE);
                return f.transferFromHold(ORDER_HOLD, ALICE, BOB, "BTC", 201);
            });
        order(transfer, Reason.INSUFFICIENT_AVAILABLE, Reason.CREDIT_CAP_EXCEEDED, "operator: insufficient, over cap",
            capped(), NONE,
            f -> f.transfer(OPS, BOB, "BTC", 1001),
            f ->
            {
                f.fund(OPS, "BTC", 500);
                return f.transfer(OPS, BOB, "BTC", 1001);
            });
        order(transfer, Reason.INSUFFICIENT_AVAILABLE, Reason.RESERVE_COVER_EXCEEDED, "loan past limit and cover",
            NONE, f -> f.transfer(LENDER, BOB, "BTC", 501), f -> f.transfer(LENDER, BOB, "BTC", 500));
        order(transfer, Reason.AMOUNT_OVERFLOW, Reason.RESERVE_COVER_EXCEEDED, "a loan overflowing the borrower",
            f ->
            {
                f.openCreditLine(60, "BTC", MAX);
                f.attest(COLD, "BTC", MAX - 2010);
                f.adjust(BOB, "BTC", MAX - 2010);
            },
            f -> f.transfer(60, BOB, "BTC", 2011), f -> f.transfer(60, BOB, "BTC", 5));
        order(transfer, Reason.RESERVE_COVER_EXCEEDED, Reason.CAPACITY_EXHAUSTED, "a loan to a new position",
            limited(l -> l.positionsMax = 4), NONE,
            f -> f.transfer(LENDER, BOB, "BTC", 1),
            f ->
            {
                f.inflow(COLD, "BTC", 10, "c");
                return f.transfer(LENDER, BOB, "BTC", 1);
            });

        // HOLD
        final String hold = "HOLD";
        order(hold, Reason.AMOUNT_MUST_BE_POSITIVE, Reason.HOLD_ID_MUST_NOT_BE_ZERO, "amount 0, hold 0", NONE,
            f -> f.hold(0, ALICE, "BTC", 0), f -> f.hold(0, ALICE, "BTC", 1));
        order(hold, Reason.HOLD_ID_MUST_NOT_BE_ZERO, Reason.ACCOUNT_ID_MUST_NOT_BE_ZERO, "hold 0, account 0", NONE,
            f -> f.hold(0, 0, "BTC", 1), f -> f.hold(5, 0, "BTC", 1));
        order(hold, Reason.ACCOUNT_ID_MUST_NOT_BE_ZERO, Reason.ASSET_NOT_FOUND, "account 0, unknown asset", NONE,
            f -> f.hold(5, 0, "XXX", 1), f -> f.hold(5, ALICE, "XXX", 1));
        order(hold, Reason.ASSET_NOT_FOUND, Reason.ACCOUNT_NOT_FOUND, "unknown asset and account", NONE,
            f -> f.hold(5, 4242, "XXX", 1), f -> f.hold(5, 4242, "BTC", 1));
        order(hold, Reason.ACCOUNT_NOT_FOUND, Reason.HOLD_ALREADY_EXISTS, "unknown account, taken hold id", NONE,
            f -> f.hold(ORDER_HOLD, 4242, "BTC", 1), f -> f.hold(ORDER_HOLD, ALICE, "BTC", 1));
        order(hold, Reason.HOLD_ALREADY_EXISTS, Reason.ASSET_HALTED, "taken hold id, halted", f -> f.halt("BTC"),
            f -> f.hold(ORDER_HOLD, ALICE, "BTC", 1), f -> f.hold(5, ALICE, "BTC", 1));
        order(hold, Reason.ASSET_HALTED, Reason.ACCOUNT_FROZEN, "halted, frozen",
            f ->
            {
                f.halt("BTC");
                f.freeze(ALICE);
            },
            f -> f.hold(5, ALICE, "BTC", 1),
            f ->
            {
                f.resume("BTC");
                return f.hold(5, ALICE, "BTC", 1);
            });
        order(hold, Reason.ACCOUNT_FROZEN, Reason.INSUFFICIENT_AVAILABLE, "frozen, insufficient", f -> f.freeze(ALICE),
            f -> f.hold(5, ALICE, "BTC", 701),
            f ->
            {
                f.unfreeze(ALICE);
                return f.hold(5, ALICE, "BTC", 701);
            });
        order(hold, Reason.INSUFFICIENT_AVAILABLE, Reason.CAPACITY_EXHAUSTED, "insufficient, table full",
            limited(l -> l.holdsMax = 2), NONE,
            f -> f.hold(5, ALICE, "BTC", 701), f -> f.hold(5, ALICE, "BTC", 1));

        // RELEASE
        final String release = "RELEASE";
        order(release, Reason.HOLD_ID_MUST_NOT_BE_ZERO, Reason.AMOUNT_MUST_BE_POSITIVE, "hold 0, amount 0", NONE,
            f -> f.release(0, 0), f -> f.release(ORDER_HOLD, 0));
        order(release, Reason.AMOUNT_MUST_BE_POSITIVE, Reason.HOLD_NOT_FOUND, "amount 0, unknown hold", NONE,
            f -> f.release(4242, 0), f -> f.release(4242, 1));
        order(release, Reason.HOLD_IS_WITHDRAWAL, Reason.HOLD_AMOUNT_EXCEEDED, "withdrawal, past remaining", NONE,
            f -> f.release(WITHDRAWAL_HOLD, 101), f -> f.release(ORDER_HOLD, 201));

        // WITHDRAW
        final String withdraw = "WITHDRAW";
        order(withdraw, Reason.AMOUNT_MUST_BE_POSITIVE, Reason.HOLD_ID_MUST_NOT_BE_ZERO, "amount 0, hold 0", NONE,
            f -> f.withdraw(0, ALICE, HOT, "BTC", 0), f -> f.withdraw(0, ALICE, HOT, "BTC", 1));
        order(withdraw, Reason.HOLD_ID_MUST_NOT_BE_ZERO, Reason.ACCOUNT_ID_MUST_NOT_BE_ZERO, "hold 0, account 0", NONE,
            f -> f.withdraw(0, 0, HOT, "BTC", 1), f -> f.withdraw(5, 0, HOT, "BTC", 1));
        order(withdraw, Reason.ACCOUNT_ID_MUST_NOT_BE_ZERO, Reason.ASSET_NOT_FOUND, "account 0, unknown asset", NONE,
            f -> f.withdraw(5, 0, HOT, "XXX", 1), f -> f.withdraw(5, ALICE, HOT, "XXX", 1));
        order(withdraw, Reason.ASSET_NOT_FOUND, Reason.WALLET_NOT_FOUND, "unknown asset and wallet", NONE,
            f -> f.withdraw(5, ALICE, 99, "XXX", 1), f -> f.withdraw(5, ALICE, 99, "BTC", 1));
        order(withdraw, Reason.WALLET_NOT_FOUND, Reason.ACCOUNT_NOT_FOUND, "unknown wallet and account", NONE,
            f -> f.withdraw(5, 4242, 99, "BTC", 1), f -> f.withdraw(5, 4242, HOT, "BTC", 1));
        order(withdraw, Reason.WALLET_ASSET_MISMATCH, Reason.ACCOUNT_NOT_FOUND, "wrong wallet, unknown account", NONE,
            f -> f.withdraw(5, 4242, BANK, "BTC", 1), f -> f.withdraw(5, 4242, HOT, "BTC", 1));
        order(withdraw, Reason.ACCOUNT_NOT_FOUND, Reason.HOLD_ALREADY_EXISTS, "unknown account, taken hold id", NONE,
            f -> f.withdraw(ORDER_HOLD, 4242, HOT, "BTC", 1), f -> f.withdraw(ORDER_HOLD, ALICE, HOT, "BTC", 1));
        order(withdraw, Reason.HOLD_ALREADY_EXISTS, Reason.ASSET_HALTED, "taken hold id, halted", f -> f.halt("BTC"),
            f -> f.withdraw(ORDER_HOLD, ALICE, HOT, "BTC", 1), f -> f.withdraw(5, ALICE, HOT, "BTC", 1));
        order(withdraw, Reason.ASSET_HALTED, Reason.ASSET_RESTRICTED, "halted, stale",
            f ->
            {
                f.halt("BTC");
                stale(f);
            },
            f -> f.withdraw(5, ALICE, HOT, "BTC", 1),
            f ->
            {
                f.resume("BTC");
                return f.withdraw(5, ALICE, HOT, "BTC", 1);
            });
        order(withdraw, Reason.ASSET_RESTRICTED, Reason.WALLET_HALTED, "stale, wallet halted",
            f ->
            {
                f.haltWallet(HOT);
                stale(f);
            },
            f -> f.withdraw(5, ALICE, HOT, "BTC", 1),
            f ->
            {
                f.attestAll();
                return f.withdraw(5, ALICE, HOT, "BTC", 1);
            });
        order(withdraw, Reason.WALLET_HALTED, Reason.ACCOUNT_FROZEN, "wallet halted, frozen",
            f ->
            {
                f.haltWallet(HOT);
                f.freeze(ALICE);
            },
            f -> f.withdraw(5, ALICE, HOT, "BTC", 1),
            f ->
            {
                f.resumeWallet(HOT);
                return f.withdraw(5, ALICE, HOT, "BTC", 1);
            });
        order(withdraw, Reason.ACCOUNT_FROZEN, Reason.INSUFFICIENT_AVAILABLE, "frozen, insufficient",
            f -> f.freeze(ALICE),
            f -> f.withdraw(5, ALICE, HOT, "BTC", 701),
            f ->
            {
                f.unfreeze(ALICE);
                return f.withdraw(5, ALICE, HOT, "BTC", 701);
            });
        order(withdraw, Reason.INSUFFICIENT_AVAILABLE, Reason.WALLET_FUNDS_INSUFFICIENT, "insufficient, empty wallet",
            NONE, f -> f.withdraw(5, ALICE, COLD, "BTC", 701), f -> f.withdraw(5, ALICE, COLD, "BTC", 1));
        order(withdraw, Reason.WALLET_FUNDS_INSUFFICIENT, Reason.CAPACITY_EXHAUSTED, "empty wallet, table full",
            limited(l -> l.holdsMax = 2), NONE,
            f -> f.withdraw(5, ALICE, COLD, "BTC", 1), f -> f.withdraw(5, ALICE, HOT, "BTC", 1));

        // ADJUST
        final String adjust = "ADJUST";
        order(adjust, Reason.AMOUNT_MUST_NOT_BE_ZERO, Reason.ACCOUNT_ID_MUST_NOT_BE_ZERO, "amount 0, account 0", NONE,
            f -> f.adjust(0, "BTC", 0), f -> f.adjust(0, "BTC", 1));
        order(adjust, Reason.ACCOUNT_ID_MUST_NOT_BE_ZERO, Reason.MEMO_TOO_LONG, "account 0, long memo", NONE,
            f -> adjustWithMemo(f, 0, BTC, 300), f -> adjustWithMemo(f, ALICE, BTC, 300));
        order(adjust, Reason.MEMO_TOO_LONG, Reason.ASSET_NOT_FOUND, "long memo, unknown asset", NONE,
            f -> adjustWithMemo(f, ALICE, 77, 300), f -> adjustWithMemo(f, ALICE, 77, 3));
        order(adjust, Reason.ASSET_NOT_FOUND, Reason.ACCOUNT_NOT_FOUND, "unknown asset and account", NONE,
            f -> f.adjust(4242, "XXX", 1), f -> f.adjust(4242, "BTC", 1));
        order(adjust, Reason.ACCOUNT_NOT_FOUND, Reason.ASSET_HALTED, "unknown account, halted", f -> f.halt("BTC"),
            f -> f.adjust(4242, "BTC", 1), f -> f.adjust(ALICE, "BTC", 1));
        order(adjust, Reason.ASSET_HALTED, Reason.ASSET_RESTRICTED, "credit: halted, stale",
            f ->
            {
                f.halt("BTC");
                stale(f);
            },
            f -> f.adjust(ALICE, "BTC", 1),
            f ->
            {
                f.resume("BTC");
                return f.adjust(ALICE, "BTC", 1);
            });
        order(adjust, Reason.ASSET_RESTRICTED, Reason.CREDIT_CAP_EXCEEDED, "credit: stale, over cap", capped(),
            RejectOrderTest::stale,
            f -> f.adjust(BOB, "BTC", 1001),
            f ->
            {
                f.attestAll();
                return f.adjust(BOB, "BTC", 1001);
            });
        order(adjust, Reason.CREDIT_CAP_EXCEEDED, Reason.RESERVE_COVER_EXCEEDED, "credit: over cap, no cover",
            capped(), NONE, f -> f.adjust(BOB, "BTC", 1001), f -> f.adjust(BOB, "BTC", 1));
        order(adjust, Reason.AMOUNT_OVERFLOW, Reason.RESERVE_COVER_EXCEEDED, "credit: overflowing balance, no cover",
            f ->
            {
                f.attest(COLD, "BTC", MAX - 2000);
                f.adjust(BOB, "BTC", MAX - 2100);
                f.attest(COLD, "BTC", 0);
            },
            f -> f.adjust(BOB, "BTC", 2200), f -> f.adjust(BOB, "BTC", 10));
        order(adjust, Reason.RESERVE_COVER_EXCEEDED, Reason.CAPACITY_EXHAUSTED, "credit: no cover, table full",
            limited(l -> l.positionsMax = 4), NONE,
            f -> f.adjust(BOB, "BTC", 1),
            f ->
            {
                f.inflow(COLD, "BTC", 10, "c");
                return f.adjust(BOB, "BTC", 1);
            });
        order(adjust, Reason.ASSET_HALTED, Reason.ACCOUNT_FROZEN, "debit: halted, frozen",
            f ->
            {
                f.halt("BTC");
                f.freeze(ALICE);
            },
            f -> f.adjust(ALICE, "BTC", -1),
            f ->
            {
                f.resume("BTC");
                return f.adjust(ALICE, "BTC", -1);
            });
        order(adjust, Reason.ACCOUNT_FROZEN, Reason.INSUFFICIENT_AVAILABLE, "debit: frozen, insufficient",
            f -> f.freeze(ALICE),
            f -> f.adjust(ALICE, "BTC", -701),
            f ->
            {
                f.unfreeze(ALICE);
                return f.adjust(ALICE, "BTC", -701);
            });

        // ATTEST
        final String attest = "ATTEST";
        order(attest, Reason.BALANCE_MUST_NOT_BE_NEGATIVE, Reason.ASSET_NOT_FOUND, "negative, unknown asset", NONE,
            f -> f.attest(HOT, "XXX", -1), f -> f.attest(HOT, "XXX", 1));
        order(attest, Reason.ASSET_NOT_FOUND, Reason.WALLET_NOT_FOUND, "unknown asset and wallet", NONE,
            f -> f.attest(99, "XXX", 1), f -> f.attest(99, "BTC", 1));
        order(attest, Reason.WALLET_ASSET_MISMATCH, Reason.AMOUNT_OVERFLOW, "wrong wallet, overflowing", NONE,
            f -> f.attest(BANK, "BTC", MAX), f -> f.attest(COLD, "BTC", MAX));

        // FREEZE / UNFREEZE and HALT / RESUME
        order("HALT", Reason.SCOPE_MUST_NAME_ONE_TARGET, Reason.ASSET_NOT_FOUND, "two targets, unknown asset", NONE,
            f -> f.scope(CommandType.HALT, 77, HOT), f -> f.scope(CommandType.HALT, 77, 0));
        order("HALT", Reason.SCOPE_MUST_NAME_ONE_TARGET, Reason.WALLET_NOT_FOUND, "two targets, unknown wallet", NONE,
            f -> f.scope(CommandType.RESUME, BTC, 99), f -> f.scope(CommandType.RESUME, 0, 99));

        // BATCH
        final String batch = "BATCH";
        order(batch, Reason.MALFORMED_COMMAND, Reason.BATCH_MUST_NOT_BE_NESTED, "untyped inner before a nested one",
            NONE,
            f -> f.batch(() ->
            {
                f.begin(CommandType.FREEZE).type = null;
                f.begin(CommandType.FREEZE).type = CommandType.BATCH;
            }),
            f -> f.batch(() ->
            {
                f.freeze(ALICE);
                f.begin(CommandType.FREEZE).type = CommandType.BATCH;
            }));
        order(batch, Reason.TX_ID_REUSED, Reason.AMOUNT_MUST_BE_POSITIVE, "ids are checked before any inner runs",
            f -> f.txId(500).freeze(BOB),
            f -> f.batch(() ->
            {
                f.transfer(ALICE, BOB, "BTC", 0);
                f.txId(500).unfreeze(BOB);
            }),
            f -> f.txId(600).batch(() ->
            {
                f.transfer(ALICE, BOB, "BTC", 0);
                f.unfreeze(BOB);
            }));
        order(batch, Reason.INSUFFICIENT_AVAILABLE, Reason.AMOUNT_MUST_BE_POSITIVE,
            "inner order: the first failing inner wins",
            NONE,
            f -> f.batch(() ->
            {
                f.transfer(ALICE, BOB, "BTC", 701);
                f.transfer(ALICE, BOB, "BTC", 0);
            }),
            f -> f.batch(() ->
            {
                f.transfer(ALICE, BOB, "BTC", 700);
                f.transfer(ALICE, BOB, "BTC", 0);
            }));
    }

    static Stream<Arguments> orders()
    {
        return ORDERS.stream().map(o -> Arguments.of(o.toString(), o));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("orders")
    void shouldRejectForTheRuleCheckedFirst(final String name, final Order order)
    {
        final GuardFixture f = order.fixture().get();
        order.setup().accept(f);
        final String ledger = f.ledgerHash();

        final Decision both = order.both().apply(f);
        assertEquals(order.first(), both.reason, () -> "both rules broken: " + both);
        assertEquals(ledger, f.ledgerHash());

        final Decision secondOnly = order.secondOnly().apply(f);
        assertEquals(order.second(), secondOnly.reason, () -> "later rule alone: " + secondOnly);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("orders")
    void shouldAgreeWithTheDocumentedOrder(final String name, final Order order) throws IOException
    {
        if (order.name().startsWith("inner order:"))
        {
            return;
        }
        final List<String> rules = documentedRules(order.section());
        final int first = indexOf(rules, order.first());
        final int second = indexOf(rules, order.second());
        assertTrue(first >= 0, () -> order.first() + " is not documented under '" + order.section() + "'");
        assertTrue(second >= 0, () -> order.second() + " is not documented under '" + order.section() + "'");
        assertTrue(first <= second, () -> "docs list " + order.second() + " before " + order.first() + " under '" +
            order.section() + "'");
    }

    @Test
    void shouldDocumentEveryCommandType() throws IOException
    {
        final String doc = readDoc();
        for (final CommandType type : CommandType.values())
        {
            assertTrue(doc.contains("`" + type.name() + "`"), () -> type + " is not in docs/reject-reasons.md");
        }
        for (final Reason reason : Reason.values())
        {
            if (RejectReasonsTest.NOT_FROM_ENGINE.contains(reason) && reason.code() / 1000 == 9)
            {
                // The pipeline's own reasons are documented with the pipeline.
                continue;
            }
            assertTrue(doc.contains("`" + reason.name() + "`"), () -> reason + " is not in docs/reject-reasons.md");
        }
        assertFalse(ORDERS.isEmpty());
    }

    private static int indexOf(final List<String> rules, final Reason reason)
    {
        for (int i = 0; i < rules.size(); i++)
        {
            if (rules.get(i).contains("`" + reason.name() + "`"))
            {
                return i;
            }
        }
        return -1;
    }

    /**
     * @return the numbered rule lines of the section whose heading starts with {@code ### } and contains the name.
     */
    private static List<String> documentedRules(final String section) throws IOException
    {
        final List<String> rules = new ArrayList<>();
        boolean in = false;
        for (final String line : readDoc().split("\n"))
        {
            if (line.startsWith("### "))
            {
                in = line.equals("### " + section) || line.contains("`" + section + "`");
                continue;
            }
            if (line.startsWith("## "))
            {
                in = false;
            }
            if (in && line.matches("\\d+\\..*"))
            {
                rules.add(line);
            }
            else if (in && !rules.isEmpty() && line.startsWith("   ") && !line.isBlank())
            {
                // A rule continued on the next, indented line.
                rules.set(rules.size() - 1, rules.get(rules.size() - 1) + " " + line.trim());
            }
        }
        assertFalse(rules.isEmpty(), () -> "no numbered rules under '### ... " + section + "'");
        return rules;
    }

    private static String readDoc() throws IOException
    {
        for (final String candidate : new String[] {"../docs/reject-reasons.md", "docs/reject-reasons.md"})
        {
            final Path path = Paths.get(candidate);
            if (Files.exists(path))
            {
                return Files.readString(path, StandardCharsets.UTF_8);
            }
        }
        throw new IOException("docs/reject-reasons.md not found from " + Paths.get("").toAbsolutePath());
    }
}
