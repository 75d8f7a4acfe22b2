package io.ledgerguard.core;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
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
import static io.ledgerguard.core.RejectScenario.ORDER_HOLD;
import static io.ledgerguard.core.RejectScenario.WITHDRAWAL_HOLD;
import static io.ledgerguard.core.RejectScenario.of;
import static io.ledgerguard.core.RejectScenario.world;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every reason the engine can produce is produced by at least one command, and every rejection leaves the ledger
 * part of the state hash unchanged.
 */
class RejectReasonsTest
{
    /**
     * Reasons the engine never gives: OK is not a rejection; the 9xxx area (RING_FULL, GUARD_CLOSED, ...) belongs to
     * the pipeline; ACCOUNT_CLOSED is checked but no command closes an account yet.
     */
    static final Set<Reason> NOT_FROM_ENGINE = notFromEngine();

    private static final java.security.KeyPair APPROVER_A = keyPair();

    private static void configurable(final GuardConfig config)
    {
        config.key(new GuardConfig.KeyConfig("a", APPROVER_A.getPublic()))
            .key(new GuardConfig.KeyConfig("b", APPROVER_B.getPublic()))
            .approvals(ApprovalClass.CONFIGURE, new GuardConfig.ApprovalRule(2, List.of("a", "b")));
    }
    private static final java.security.KeyPair APPROVER_B = keyPair();

    private static java.security.KeyPair keyPair()
    {
        try
        {
            return java.security.KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        }
        catch (final java.security.GeneralSecurityException ex)
        {
            throw new AssertionError(ex);
        }
    }

    private static Set<Reason> notFromEngine()
    {
        // COMMAND_NOT_SUPPORTED: every command type is implemented now; kept for a type this version does not know.
        // NOT_IN_ROLE: decided by the gateway before sequencing (SPEC §12), never by the engine.
        final Set<Reason> reasons = EnumSet.of(Reason.OK, Reason.ACCOUNT_CLOSED, Reason.COMMAND_NOT_SUPPORTED,
            Reason.NOT_IN_ROLE);
        for (final Reason reason : Reason.values())
        {
            if (reason.code() / 1000 == 9)
            {
                reasons.add(reason);
            }
        }
        return reasons;
    }

    // A table, one row per way of reaching each reason, grouped by the reason's area: split into pieces, it would no
    // longer show on one page that every reason has its rows.
    @SuppressWarnings("MethodLength")
    static List<RejectScenario> scenarios()
    {
        return List.of(
            of(Reason.MALFORMED_COMMAND, "command without a type", f ->
            {
                final Command c = f.begin(CommandType.TRANSFER);
                c.type = null;
                return f.submit(c);
            }),
            of(Reason.MALFORMED_COMMAND, "credit line with two limits for one asset", f ->
            {
                final Command c = f.begin(CommandType.OPEN_ACCOUNT);
                c.accountId = 50;
                c.accountKind = AccountKind.CREDIT_LINE;
                c.addCreditLimit(BTC, 1);
                c.addCreditLimit(BTC, 2);
                return f.submit(c);
            }),
            of(Reason.MALFORMED_COMMAND, "batch with an inner command without a type", f -> f.batch(() ->
            {
                f.transfer(ALICE, BOB, "BTC", 1);
                f.begin(CommandType.TRANSFER).type = null;
            })),
            of(Reason.MALFORMED_COMMAND, "negative batch count", f ->
            {
                final Command c = f.begin(CommandType.BATCH);
                c.batchCount = -1;
                return f.submit(c);
            }),
            of(Reason.AMOUNT_MUST_BE_POSITIVE, "transfer of 0", f -> f.transfer(ALICE, BOB, "BTC", 0)),
            of(Reason.AMOUNT_MUST_BE_POSITIVE, "inflow of -5", f -> f.inflow(HOT, "BTC", -5, "neg")),
            of(Reason.AMOUNT_MUST_BE_POSITIVE, "deposit of 0", f -> f.deposit(ALICE, "BTC", 0, "x")),
            of(Reason.AMOUNT_MUST_BE_POSITIVE, "hold of 0", f -> f.hold(5, ALICE, "BTC", 0)),
            of(Reason.AMOUNT_MUST_BE_POSITIVE, "release of 0", f -> f.release(ORDER_HOLD, 0)),
            of(Reason.AMOUNT_MUST_BE_POSITIVE, "withdraw of -1", f -> f.withdraw(5, ALICE, HOT, "BTC", -1)),
            of(Reason.AMOUNT_MUST_NOT_BE_ZERO, "adjust of 0", f -> f.adjust(ALICE, "BTC", 0)),
            of(Reason.TX_ID_MUST_BE_POSITIVE, "txId 0", f -> f.txId(0).transfer(ALICE, BOB, "BTC", 1)),
            of(Reason.TX_ID_MUST_BE_POSITIVE, "txId -5", f -> f.txId(-5).transfer(ALICE, BOB, "BTC", 1)),
            of(Reason.TX_ID_MUST_BE_POSITIVE, "inner txId 0", f -> f.batch(() ->
                f.begin(CommandType.FREEZE).txId = 0)),
            of(Reason.ACCOUNT_ID_MUST_NOT_BE_ZERO, "open account 0", f -> f.openAccount(0, AccountKind.CUSTOMER)),
            of(Reason.ACCOUNT_ID_MUST_NOT_BE_ZERO, "transfer to 0", f -> f.transfer(ALICE, 0, "BTC", 1)),
            of(Reason.ACCOUNT_ID_MUST_NOT_BE_ZERO, "transfer from 0", f -> f.transfer(0, ALICE, "BTC", 1)),
            of(Reason.ACCOUNT_ID_MUST_NOT_BE_ZERO, "deposit to 0", f -> f.deposit(0, "BTC", 1, "x")),
            of(Reason.ACCOUNT_ID_MUST_NOT_BE_ZERO, "hold on 0", f -> f.hold(5, 0, "BTC", 1)),
            of(Reason.ACCOUNT_ID_MUST_NOT_BE_ZERO, "withdraw from 0", f -> f.withdraw(5, 0, HOT, "BTC", 1)),
            of(Reason.ACCOUNT_ID_MUST_NOT_BE_ZERO, "adjust 0", f -> f.adjust(0, "BTC", 1)),
            of(Reason.ACCOUNT_ID_MUST_NOT_BE_ZERO, "freeze 0", f -> f.freeze(0)),
            of(Reason.ACCOUNT_ID_MUST_NOT_BE_ZERO, "unfreeze 0", f -> f.unfreeze(0)),
            of(Reason.ACCOUNTS_MUST_BE_DIFFERENT, "transfer to self", f -> f.transfer(ALICE, ALICE, "BTC", 1)),
            of(Reason.HOLD_ID_MUST_NOT_BE_ZERO, "hold 0", f -> f.hold(0, ALICE, "BTC", 1)),
            of(Reason.HOLD_ID_MUST_NOT_BE_ZERO, "release 0", f -> f.release(0, 1)),
            of(Reason.HOLD_ID_MUST_NOT_BE_ZERO, "withdraw into hold 0", f -> f.withdraw(0, ALICE, HOT, "BTC", 1)),
            of(Reason.HOLD_ID_MUST_NOT_BE_ZERO, "settle 0", f -> f.settle(0)),
            of(Reason.HOLD_ID_MUST_NOT_BE_ZERO, "cancel 0", f -> f.cancel(0)),
            of(Reason.CHAIN_REF_MUST_NOT_BE_EMPTY, "inflow without chain ref", f -> f.inflow(HOT, "BTC", 1, "")),
            of(Reason.CHAIN_REF_MUST_NOT_BE_EMPTY, "deposit without chain ref", f -> f.deposit(ALICE, "BTC", 1, "")),
            of(Reason.CHAIN_REF_TOO_LONG, "inflow chain ref of 129 bytes", f ->
                f.inflow(HOT, "BTC", 1, "x".repeat(Command.CHAIN_REF_LENGTH_MAX + 1))),
            of(Reason.CHAIN_REF_TOO_LONG, "deposit chain ref of 129 bytes", f ->
                f.deposit(ALICE, "BTC", 1, "x".repeat(Command.CHAIN_REF_LENGTH_MAX + 1))),
            of(Reason.CREDIT_LIMIT_ONLY_FOR_CREDIT_LINE, "customer with a credit limit", f ->
            {
                final Command c = f.begin(CommandType.OPEN_ACCOUNT);
                c.accountId = 50;
                c.accountKind = AccountKind.CUSTOMER;
                c.addCreditLimit(BTC, 1);
                return f.submit(c);
            }),
            of(Reason.CREDIT_LIMIT_MUST_NOT_BE_NEGATIVE, "credit limit -1", f -> f.openCreditLine(50, "BTC", -1)),
            of(Reason.BALANCE_MUST_NOT_BE_NEGATIVE, "attest -1", f -> f.attest(HOT, "BTC", -1)),
            of(Reason.BATCH_MUST_NOT_BE_EMPTY, "empty batch", f -> f.batch(() -> { })),
            of(Reason.BATCH_MUST_NOT_BE_NESTED, "batch in a batch", f -> f.batch(() ->
                f.begin(CommandType.TRANSFER).type = CommandType.BATCH)),
            of(Reason.BATCH_MUST_NOT_BE_NESTED, "inner command claiming inner commands", f -> f.batch(() ->
                f.begin(CommandType.FREEZE).batchCount = 1)),
            of(Reason.BATCH_TOO_LARGE, "batch count past the maximum", f ->
            {
                final Command c = f.begin(CommandType.BATCH);
                c.batchCount = Command.BATCH_COMMANDS_MAX + 1;
                return f.submit(c);
            }),
            of(Reason.SCOPE_MUST_NAME_ONE_TARGET, "halt of an asset and a wallet", f ->
                f.scope(CommandType.HALT, BTC, HOT)),
            of(Reason.SCOPE_MUST_NAME_ONE_TARGET, "resume of an asset and a wallet", f ->
                f.scope(CommandType.RESUME, BTC, HOT)),
            of(Reason.ACCOUNT_KIND_MUST_BE_SET, "open account without kind", f -> f.openAccount(50, null)),
            of(Reason.MEMO_TOO_LONG, "adjust with a 257-byte memo", f ->
            {
                final Command c = f.begin(CommandType.ADJUST);
                c.accountId = ALICE;
                c.assetId = BTC;
                c.amount = 1;
                c.memo("m".repeat(Command.MEMO_LENGTH_MAX + 1));
                return f.submit(c);
            }),
            of(Reason.INSUFFICIENT_AVAILABLE, "transfer past available", f -> f.transfer(ALICE, BOB, "BTC", 701)),
            of(Reason.INSUFFICIENT_AVAILABLE, "transfer from no position", f -> f.transfer(BOB, ALICE, "BTC", 1)),
            of(Reason.INSUFFICIENT_AVAILABLE, "hold past available", f -> f.hold(5, ALICE, "BTC", 701)),
            of(Reason.INSUFFICIENT_AVAILABLE, "withdraw past available", f -> f.withdraw(5, ALICE, HOT, "BTC", 701)),
            of(Reason.INSUFFICIENT_AVAILABLE, "withdraw of borrowed units", f -> f.withdraw(5, LENDER, HOT, "BTC", 1)),
            of(Reason.INSUFFICIENT_AVAILABLE, "adjust past available", f -> f.adjust(ALICE, "BTC", -701)),
            of(Reason.INSUFFICIENT_AVAILABLE, "adjust by Long.MIN_VALUE", f -> f.adjust(ALICE, "BTC", Long.MIN_VALUE)),
            of(Reason.INSUFFICIENT_AVAILABLE, "credit line past its limit", f -> f.transfer(LENDER, BOB, "BTC", 501)),
            of(Reason.HOLD_AMOUNT_EXCEEDED, "release past remaining", f -> f.release(ORDER_HOLD, 201)),
            of(Reason.HOLD_AMOUNT_EXCEEDED, "transfer from hold past remaining", f ->
                f.transferFromHold(ORDER_HOLD, ALICE, BOB, "BTC", 201)),
            of(Reason.WALLET_FUNDS_INSUFFICIENT, "withdraw from an empty cold wallet", f ->
                f.withdraw(5, ALICE, COLD, "BTC", 1)),
            of(Reason.WALLET_FUNDS_INSUFFICIENT, "withdraw past the wallet's expected holdings",
                f -> f.inflow(COLD, "BTC", 50, "cold"),
                f -> f.withdraw(5, ALICE, COLD, "BTC", 51)),
            of(Reason.WALLET_FUNDS_INSUFFICIENT, "withdraw past what other withdrawals left in the wallet",
                f ->
                {
                    f.inflow(COLD, "BTC", 50, "cold");
                    f.withdraw(6, ALICE, COLD, "BTC", 30);
                },
                f -> f.withdraw(5, ALICE, COLD, "BTC", 21)),
            of(Reason.INFLOW_AMOUNT_EXCEEDED, "deposit past the inflow",
                f -> f.inflow(HOT, "BTC", 100, "in"),
                f -> f.deposit(ALICE, "BTC", 101, "in")),
            of(Reason.INFLOW_AMOUNT_EXCEEDED, "second deposit of a credited inflow",
                f ->
                {
                    f.inflow(HOT, "BTC", 100, "in");
                    f.deposit(ALICE, "BTC", 100, "in");
                },
                f -> f.deposit(BOB, "BTC", 1, "in")),
            of(Reason.AMOUNT_OVERFLOW, "inflow past Long.MAX_VALUE holdings", f ->
                f.inflow(COLD, "BTC", Long.MAX_VALUE, "big")),
            of(Reason.RESERVE_COVER_EXCEEDED, "adjust credit without cover", f -> f.adjust(BOB, "BTC", 1)),
            of(Reason.RESERVE_COVER_EXCEEDED, "credit line lends without cover",
                f -> f.transfer(LENDER, BOB, "BTC", 1)),
            of(Reason.OUTFLOW_VELOCITY_EXCEEDED, "withdraw past the asset's outflow in the window",
                () -> world(c -> c.assetByCode("BTC").outflowMinorUnitsMax = 150), f -> { },
                f -> f.withdraw(5, ALICE, HOT, "BTC", 51)),
            of(Reason.OUTFLOW_VELOCITY_EXCEEDED, "withdraw past the hot wallet's share in the window",
                () -> world(c -> c.assetByCode("BTC").outflowHotShareBpsMax = 1_000), f -> { },
                f -> f.withdraw(5, ALICE, HOT, "BTC", 101)),
            of(Reason.CREDIT_CAP_EXCEEDED, "adjust credit above the cap",
                () -> world(c -> c.assetByCode("BTC").creditCapMinorUnits = 1000), f -> { },
                f -> f.adjust(BOB, "BTC", 1001)),
            of(Reason.ASSET_HALTED, "transfer of a halted asset", f -> f.halt("BTC"),
                f -> f.transfer(ALICE, BOB, "BTC", 1)),
            of(Reason.ASSET_HALTED, "transfer under a global halt", f -> f.haltAll(),
                f -> f.transfer(ALICE, BOB, "USD", 1)),
            of(Reason.ASSET_RESTRICTED, "deposit with a stale attestation",
                f ->
                {
                    f.inflow(HOT, "BTC", 10, "late");
                    f.advanceMs(GuardFixture.AGE_MS_MAX + 1);
                },
                f -> f.deposit(ALICE, "BTC", 10, "late")),
            of(Reason.ACCOUNT_FROZEN, "transfer out of a frozen account", f -> f.freeze(ALICE),
                f -> f.transfer(ALICE, BOB, "BTC", 1)),
            of(Reason.WALLET_HALTED, "withdraw from a halted wallet", f -> f.haltWallet(HOT),
                f -> f.withdraw(5, ALICE, HOT, "BTC", 1)),
            of(Reason.ASSET_NOT_FOUND, "transfer of an unknown asset", f -> f.transfer(ALICE, BOB, "XXX", 1)),
            of(Reason.ASSET_NOT_FOUND, "halt of an unknown asset", f -> f.halt("XXX")),
            of(Reason.ASSET_NOT_FOUND, "credit limit for an unknown asset", f -> f.openCreditLine(50, "XXX", 1)),
            of(Reason.ACCOUNT_NOT_FOUND, "transfer to an unknown account", f -> f.transfer(ALICE, 4242, "BTC", 1)),
            of(Reason.ACCOUNT_NOT_FOUND, "freeze of an unknown account", f -> f.freeze(4242)),
            of(Reason.ACCOUNT_ALREADY_EXISTS, "open an existing account",
                f -> f.openAccount(ALICE, AccountKind.OPERATOR)),
            of(Reason.WALLET_NOT_FOUND, "inflow to an unknown wallet", f -> f.inflow(99, "BTC", 1, "w")),
            of(Reason.WALLET_NOT_FOUND, "halt of an unknown wallet", f -> f.haltWallet(99)),
            of(Reason.WALLET_ASSET_MISMATCH, "BTC inflow to the bank", f -> f.inflow(BANK, "BTC", 1, "w")),
            of(Reason.WALLET_ASSET_MISMATCH, "USD attestation of a BTC wallet", f -> f.attest(HOT, "USD", 1)),
            of(Reason.WALLET_ASSET_MISMATCH, "BTC withdraw from the bank", f -> f.withdraw(5, ALICE, BANK, "BTC", 1)),
            of(Reason.HOLD_NOT_FOUND, "release of an unknown hold", f -> f.release(4242, 1)),
            of(Reason.HOLD_NOT_FOUND, "settle of an unknown hold", f -> f.settle(4242)),
            of(Reason.HOLD_NOT_FOUND, "transfer from an unknown hold", f ->
                f.transferFromHold(4242, ALICE, BOB, "BTC", 1)),
            of(Reason.HOLD_ALREADY_EXISTS, "hold with a taken id", f -> f.hold(ORDER_HOLD, ALICE, "BTC", 1)),
            of(Reason.HOLD_ALREADY_EXISTS, "withdraw with a taken id", f ->
                f.withdraw(ORDER_HOLD, ALICE, HOT, "BTC", 1)),
            of(Reason.HOLD_ACCOUNT_MISMATCH, "transfer from another account's hold", f ->
                f.transferFromHold(ORDER_HOLD, BOB, ALICE, "BTC", 1)),
            of(Reason.HOLD_ASSET_MISMATCH, "USD transfer from a BTC hold", f ->
                f.transferFromHold(ORDER_HOLD, ALICE, BOB, "USD", 1)),
            of(Reason.HOLD_NOT_WITHDRAWAL, "settle of an order hold", f -> f.settle(ORDER_HOLD)),
            of(Reason.HOLD_NOT_WITHDRAWAL, "cancel of an order hold", f -> f.cancel(ORDER_HOLD)),
            of(Reason.HOLD_IS_WITHDRAWAL, "release of a withdrawal", f -> f.release(WITHDRAWAL_HOLD, 1)),
            of(Reason.HOLD_IS_WITHDRAWAL, "transfer from a withdrawal", f ->
                f.transferFromHold(WITHDRAWAL_HOLD, ALICE, BOB, "BTC", 1)),
            of(Reason.INFLOW_NOT_FOUND, "deposit of an unknown inflow", f -> f.deposit(ALICE, "BTC", 1, "nope")),
            of(Reason.INFLOW_ALREADY_RECORDED, "inflow recorded twice", f -> f.inflow(HOT, "BTC", 5, "dup"),
                f -> f.inflow(COLD, "BTC", 5, "dup")),
            of(Reason.INFLOW_ASSET_MISMATCH, "USD deposit of a BTC inflow", f -> f.inflow(HOT, "BTC", 10, "m"),
                f -> f.deposit(ALICE, "USD", 10, "m")),
            of(Reason.REVERSED_TX_ID_MUST_BE_POSITIVE, "reverse txId 0", f -> f.reverse(0)),
            of(Reason.WALLETS_MUST_BE_DIFFERENT, "sweep a wallet into itself",
                f -> f.sweep(HOT, HOT, "BTC", 1, "self")),
            of(Reason.UNAUTHORIZED, "unsigned adjust when two approvers must sign",
                () -> world(c -> c.key(new GuardConfig.KeyConfig("a", APPROVER_A.getPublic()))
                    .key(new GuardConfig.KeyConfig("b", APPROVER_B.getPublic()))
                    .approvals(ApprovalClass.ADJUST, new GuardConfig.ApprovalRule(2, List.of("a", "b")))),
                f -> { }, f -> f.adjust(ALICE, "BTC", 1)),
            of(Reason.CREDIT_NOT_FOUND, "reverse an unknown txId", f -> f.reverse(987_654)),
            of(Reason.CONFIGURATION_INVALID, "change an asset's id", () -> world(RejectReasonsTest::configurable),
                f -> { }, f -> f.configure("assets.BTC.id=77\n")),
            of(Reason.WALLET_NOT_EMPTY, "retire a wallet that holds coins",
                () -> world(RejectReasonsTest::configurable), f -> { },
                f -> f.configure("wallets." + GuardFixture.HOT + ".retired=true\n")),
            of(Reason.ASSET_NOT_EMPTY, "retire an asset still owed to a customer",
                () -> world(RejectReasonsTest::configurable),
                f ->
                {
                    expectAcceptedHere(f.inflow(GuardFixture.BANK, "USD", 10, "owed"));
                    expectAcceptedHere(f.deposit(BOB, "USD", 10, "owed"));
                    expectAcceptedHere(f.attest(GuardFixture.BANK, "USD", 0));
                },
                f -> f.configure("assets.USD.retired=true\nwallets." + GuardFixture.BANK + ".retired=true\n")),
            of(Reason.CREDIT_NOT_FOUND, "reverse a transfer, which is not a reversible credit",
                f -> f.txId(5_000).transfer(ALICE, BOB, "BTC", 1), f -> f.reverse(5_000)),
            of(Reason.CREDIT_ALREADY_REVERSED, "reverse a credit twice",
                f ->
                {
                    f.txId(6_000).inflow(GuardFixture.HOT, "BTC", 5, "twice");
                    f.txId(6_001).deposit(BOB, "BTC", 5, "twice");
                    expectAcceptedHere(f.reverse(6_001));
                },
                f -> f.reverse(6_001)),
            of(Reason.TX_ID_REUSED, "same txId, other amount", f -> f.txId(500).transfer(ALICE, BOB, "BTC", 1),
                f -> f.txId(500).transfer(ALICE, BOB, "BTC", 2)),
            of(Reason.TX_ID_REUSED, "inner txId already used", f -> f.txId(500).transfer(ALICE, BOB, "BTC", 1),
                f -> f.batch(() -> f.txId(500).transfer(ALICE, BOB, "BTC", 1))),
            of(Reason.TX_ID_REUSED, "inner txId equal to the batch's", f -> f.batch(() ->
                f.begin(CommandType.FREEZE).txId = f.nextTxId() - 2)),
            of(Reason.TX_ID_REUSED, "two inner commands with one txId", f -> f.batch(() ->
            {
                f.begin(CommandType.FREEZE).accountId = ALICE;
                f.begin(CommandType.UNFREEZE).txId = f.nextTxId() - 2;
            })),
            of(Reason.COMMAND_OLDER_THAN_TX_ID_WINDOW, "transfer submitted longer ago than the txId window", f ->
            {
                final Command c = f.begin(CommandType.TRANSFER);
                c.debitAccountId = ALICE;
                c.creditAccountId = BOB;
                c.assetId = BTC;
                c.amount = 1;
                c.submittedAtMs = f.nowMs() - GuardConfig.Retention.TX_ID_WINDOW_MS_DEFAULT - 1;
                return f.submit(c);
            }),
            of(Reason.LINKED_COMMAND_FAILED, "second leg of a batch fails", f -> f.batch(() ->
            {
                f.transfer(ALICE, BOB, "BTC", 1);
                f.transfer(ALICE, BOB, "BTC", 0);
            })),
            of(Reason.CAPACITY_EXHAUSTED, "account table full",
                () -> world(c -> c.limits().accountsMax = 4), f -> { },
                f -> f.openAccount(50, AccountKind.CUSTOMER)));
    }

    static Stream<Arguments> namedScenarios()
    {
        return scenarios().stream().map(s -> Arguments.of(s.toString(), s));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("namedScenarios")
    void shouldRejectWithoutChangingTheLedger(final String name, final RejectScenario scenario)
    {
        final GuardFixture f = scenario.fixture.get();
        scenario.setup.accept(f);
        final String ledgerBefore = f.ledgerHash();
        final long accountsBefore = f.engine.tableSize(TableKind.ACCOUNTS);

        final Decision decision = scenario.command.apply(f);

        assertFalse(decision.accepted(), () -> "accepted: " + decision);
        if (scenario.expected == Reason.LINKED_COMMAND_FAILED)
        {
            assertTrue(decision.linkedCount > 0);
            assertEquals(Reason.LINKED_COMMAND_FAILED, decision.linkedReasons[0]);
            assertEquals(decision.reason, decision.linkedReasons[1]);
        }
        else
        {
            assertEquals(scenario.expected, decision.reason, () -> "decision " + decision);
        }
        assertFalse(decision.duplicate);
        assertEquals(ledgerBefore, f.ledgerHash(), "a rejection changed the ledger");
        assertEquals(accountsBefore, f.engine.tableSize(TableKind.ACCOUNTS));
        assertNull(f.engine.checkInvariants());
    }

    @Test
    void shouldHaveAScenarioForEveryReasonTheEngineProduces()
    {
        final Set<Reason> covered = scenarios().stream().map(s -> s.expected).collect(Collectors.toSet());
        final Set<Reason> missing = EnumSet.allOf(Reason.class);
        missing.removeAll(NOT_FROM_ENGINE);
        missing.removeAll(covered);
        // Two chain references with one 64-bit hash are not to be had for a scenario: InflowRetentionTest plants an
        // inflow with a borrowed hash in restored state and shows the refusal there.
        missing.remove(Reason.CHAIN_REF_HASH_COLLISION);
        assertTrue(missing.isEmpty(), "reasons without a scenario: " + missing);
        for (final Reason reason : covered)
        {
            assertFalse(NOT_FROM_ENGINE.contains(reason), reason + " is listed as not from the engine");
        }
    }

    @Test
    void shouldLeaveOnlyPipelineReasonsInTheNineThousands()
    {
        assertTrue(NOT_FROM_ENGINE.contains(Reason.RING_FULL));
        assertTrue(NOT_FROM_ENGINE.contains(Reason.GUARD_CLOSED));
        assertEquals(Set.of(Reason.OK, Reason.ACCOUNT_CLOSED, Reason.COMMAND_NOT_SUPPORTED, Reason.NOT_IN_ROLE),
            NOT_FROM_ENGINE.stream().filter(r -> r.code() / 1000 != 9).collect(Collectors.toSet()));
    }

    @Test
    void shouldKeepReasonCodesStableAndGroupedByArea()
    {
        for (final Reason reason : Reason.values())
        {
            assertEquals(reason, Reason.fromCode(reason.code()));
        }
        assertEquals(0, Reason.OK.code());
        assertEquals(1001, Reason.AMOUNT_MUST_BE_POSITIVE.code());
        assertEquals(2001, Reason.INSUFFICIENT_AVAILABLE.code());
        assertEquals(3001, Reason.RESERVE_COVER_EXCEEDED.code());
        assertEquals(4001, Reason.ASSET_HALTED.code());
        assertEquals(6001, Reason.TX_ID_REUSED.code());
        assertEquals(7001, Reason.CAPACITY_EXHAUSTED.code());
        assertNull(Reason.fromCode(-1));
        assertNull(Reason.fromCode(99_999));
    }

    private static Decision expectAcceptedHere(final Decision decision)
    {
        return GuardFixture.expectAccepted(decision);
    }
}
