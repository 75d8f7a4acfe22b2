package io.ledgerguard.core;

import org.junit.jupiter.api.Test;

import static io.ledgerguard.core.GuardFixture.COLD;
import static io.ledgerguard.core.GuardFixture.HOT;
import static io.ledgerguard.core.GuardFixture.BANK;
import static io.ledgerguard.core.GuardFixture.alertOf;
import static io.ledgerguard.core.GuardFixture.expectAccepted;
import static io.ledgerguard.core.GuardFixture.expectRejected;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * A custody-internal sweep moves expected holdings from one wallet to another of the same asset: no drift on either
 * side at the next attestations, holdings and obligations unchanged, and its chain reference can never be credited.
 */
class SweepTest
{
    private static final long ALICE = 1001;

    private static Decision sweep(final GuardFixture f, final long from, final long to, final String asset,
        final long amount, final String chainRef)
    {
        final Command c = f.begin(CommandType.SWEEP);
        c.walletId = from;
        c.toWalletId = to;
        c.assetId = GuardFixture.assetId(asset);
        c.amount = amount;
        c.chainRef(chainRef);
        return f.submit(c);
    }

    @Test
    void shouldMoveExpectedHoldingsWithoutDriftOrChangeOfCover()
    {
        final GuardFixture f = GuardFixture.attested();
        expectAccepted(f.openAccount(ALICE, AccountKind.CUSTOMER));
        f.fund(ALICE, "BTC", 10_000);
        final long holdings = f.holdings("BTC");
        final long obligations = f.obligations("BTC");

        expectAccepted(sweep(f, HOT, COLD, "BTC", 9_000, "btc:sweep:1"));

        assertEquals(1_000, f.expected(HOT));
        assertEquals(9_000, f.expected(COLD));
        assertEquals(holdings, f.holdings("BTC"));
        assertEquals(obligations, f.obligations("BTC"));
        // The wallets attest what moved: neither side drifts.
        assertNull(alertOf(expectAccepted(f.attest(HOT, "BTC", 1_000)), AlertType.CUSTODY_DRIFT));
        assertNull(alertOf(expectAccepted(f.attest(COLD, "BTC", 9_000)), AlertType.CUSTODY_DRIFT));
        assertEquals(AssetStatus.NORMAL, f.status("BTC"));
        assertEquals(false, f.engine.outflowsHalted(f.assetIndex("BTC")));
    }

    @Test
    void shouldRejectWhatIsNotASweepInTheDocumentedOrder()
    {
        final GuardFixture f = GuardFixture.attested();
        expectAccepted(f.openAccount(ALICE, AccountKind.CUSTOMER));
        f.fund(ALICE, "BTC", 1_000);
        expectAccepted(f.withdraw(7, ALICE, HOT, "BTC", 600));

        expectRejected(Reason.AMOUNT_MUST_BE_POSITIVE, sweep(f, HOT, COLD, "BTC", 0, "r"));
        expectRejected(Reason.CHAIN_REF_MUST_NOT_BE_EMPTY, sweep(f, HOT, COLD, "BTC", 1, ""));
        expectRejected(Reason.WALLETS_MUST_BE_DIFFERENT, sweep(f, HOT, HOT, "BTC", 1, "r"));
        expectRejected(Reason.WALLET_NOT_FOUND, sweep(f, HOT, 99, "BTC", 1, "r"));
        expectRejected(Reason.WALLET_ASSET_MISMATCH, sweep(f, HOT, BANK, "BTC", 1, "r"));
        // 1,000 expected in hot, 600 of it reserved for a withdrawal under way.
        expectRejected(Reason.WALLET_FUNDS_INSUFFICIENT, sweep(f, HOT, COLD, "BTC", 401, "r"));
        expectAccepted(sweep(f, HOT, COLD, "BTC", 400, "r"));
        expectRejected(Reason.INFLOW_ALREADY_RECORDED, sweep(f, COLD, HOT, "BTC", 1, "r"));
        // The sweep's transaction cannot be credited to anyone.
        expectRejected(Reason.INFLOW_AMOUNT_EXCEEDED, f.deposit(ALICE, "BTC", 1, "r"));
        expectAccepted(f.settle(7));
        f.assertInvariants();
    }

    @Test
    void shouldBeTakenWhileTheAssetIsHalted()
    {
        final GuardFixture f = GuardFixture.attested();
        expectAccepted(f.openAccount(ALICE, AccountKind.CUSTOMER));
        f.fund(ALICE, "BTC", 1_000);
        expectAccepted(f.halt("BTC"));

        expectAccepted(sweep(f, HOT, COLD, "BTC", 1_000, "rescue"));

        assertEquals(1_000, f.expected(COLD));
    }
}
