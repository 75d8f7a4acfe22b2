package io.ledgerguard.core;

import org.junit.jupiter.api.Test;

import static io.ledgerguard.core.GuardFixture.COLD;
import static io.ledgerguard.core.GuardFixture.HOT;
import static io.ledgerguard.core.GuardFixture.alertOf;
import static io.ledgerguard.core.GuardFixture.expectAccepted;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The alert-only controls: the cold ratio (SPEC §5.7) and traded volume against holdings (§5.3). Each alerts once
 * when its figure crosses the limit, and again only after falling back.
 */
class ColdRatioAndVolumeTest
{
    private static final long ALICE = 1001;
    private static final long BOB = 1002;

    @Test
    void shouldAlertWhenTheHotWalletsHoldMoreThanTheirShare()
    {
        final GuardFixture f = GuardFixture.attested(GuardFixture.DISARMED.andThen(
            config -> config.assetByCode("BTC").hotShareBpsMax = 2_000));
        expectAccepted(f.attest(COLD, "BTC", 900));
        final Decision under = f.inflow(HOT, "BTC", 200, "a");
        assertNull(alertOf(under, AlertType.COLD_RATIO), "200 of 1,100 is 18%: " + under);

        final Decision over = f.inflow(HOT, "BTC", 100, "b");
        final Alert alert = alertOf(over, AlertType.COLD_RATIO);
        assertNotNull(alert, over::toString);
        assertEquals(2_500, alert.figure(0), "300 of 1,200");
        assertEquals(2_000, alert.figure(1));
        assertNull(alertOf(f.inflow(HOT, "BTC", 100, "c"), AlertType.COLD_RATIO), "once per crossing");

        // Swept to cold storage: the custody feed reports it, the share falls back, nothing is raised.
        assertNull(alertOf(expectAccepted(f.attest(HOT, "BTC", 0)), AlertType.COLD_RATIO));
        assertNull(alertOf(expectAccepted(f.attest(COLD, "BTC", 1_300)), AlertType.COLD_RATIO));
        assertNotNull(alertOf(f.inflow(HOT, "BTC", 500, "d"), AlertType.COLD_RATIO), "crossing again alerts again");
    }

    @Test
    void shouldAlertWhenTradedVolumeInTheWindowPassesTheMultipleOfHoldings()
    {
        final GuardFixture f = GuardFixture.attested(config ->
        {
            config.assetByCode("BTC").volumeAlertWindowMs = 60_000;
            config.assetByCode("BTC").volumeAlertHoldingsMultipleBps = 10_000;
            config.assetByCode("BTC").hotShareBpsMax = 10_000;
        });
        expectAccepted(f.openAccount(ALICE, AccountKind.CUSTOMER));
        expectAccepted(f.openAccount(BOB, AccountKind.CUSTOMER));
        f.fund(ALICE, "BTC", 1_000);

        assertNull(alertOf(expectAccepted(f.transfer(ALICE, BOB, "BTC", 600)), AlertType.VOLUME_EXCEEDS_HOLDINGS));
        final Decision crossing = expectAccepted(f.transfer(BOB, ALICE, "BTC", 500));
        final Alert alert = alertOf(crossing, AlertType.VOLUME_EXCEEDS_HOLDINGS);
        assertNotNull(alert, crossing::toString);
        assertEquals(1_100, alert.figure(0));
        assertEquals(1_000, alert.figure(1));
        assertNull(alertOf(expectAccepted(f.transfer(ALICE, BOB, "BTC", 10)), AlertType.VOLUME_EXCEEDS_HOLDINGS));

        // A window later the volume starts again from what is traded then.
        f.advanceMs(60_000);
        for (final long wallet : new long[] {HOT, COLD, GuardFixture.BANK})
        {
            f.attest(wallet, wallet == GuardFixture.BANK ? "USD" : "BTC", f.expected(wallet));
        }
        assertNull(alertOf(expectAccepted(f.transfer(ALICE, BOB, "BTC", 10)), AlertType.VOLUME_EXCEEDS_HOLDINGS));
        assertNull(alertOf(expectAccepted(f.transfer(ALICE, BOB, "BTC", 600)), AlertType.VOLUME_EXCEEDS_HOLDINGS));
        assertNotNull(alertOf(expectAccepted(f.transfer(BOB, ALICE, "BTC", 400)), AlertType.VOLUME_EXCEEDS_HOLDINGS),
            "1,010 traded in the new window");
        f.assertInvariants();
    }
}
