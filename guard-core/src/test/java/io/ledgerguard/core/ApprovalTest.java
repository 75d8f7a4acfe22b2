package io.ledgerguard.core;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.List;
import java.util.function.Consumer;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import io.ledgerguard.core.approval.ApprovalVerifier;
import io.ledgerguard.core.approval.SigningPayload;

import static io.ledgerguard.core.GuardFixture.HOT;
import static io.ledgerguard.core.GuardFixture.alertOf;
import static io.ledgerguard.core.GuardFixture.expectAccepted;
import static io.ledgerguard.core.GuardFixture.expectRejected;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Privileged commands (SPEC §6): M of N Ed25519 approvals per class, verified before sequencing; the guard rejects
 * {@code UNAUTHORIZED} with an alert whatever falls short, and changes nothing else when it does.
 */
class ApprovalTest
{
    private static final long ALICE = 1001;
    private static final long VALID_MS = 60_000;
    private static final KeyPair OPS_1 = keyPair();
    private static final KeyPair OPS_2 = keyPair();
    private static final KeyPair OPS_3 = keyPair();
    private static final KeyPair FEED = keyPair();
    private static final KeyPair FEED_2 = keyPair();
    private static final KeyPair OUTSIDER = keyPair();

    private static final Consumer<GuardConfig> SIGNED = config -> config
        .key(new GuardConfig.KeyConfig("ops-1", OPS_1.getPublic()))
        .key(new GuardConfig.KeyConfig("ops-2", OPS_2.getPublic()))
        .key(new GuardConfig.KeyConfig("ops-3", OPS_3.getPublic()))
        .key(new GuardConfig.KeyConfig("feed", FEED.getPublic()))
        .key(new GuardConfig.KeyConfig("feed-2", FEED_2.getPublic()))
        .key(new GuardConfig.KeyConfig("outsider", OUTSIDER.getPublic()))
        .approvalValidityMsMax(VALID_MS)
        .approvals(ApprovalClass.ADJUST, new GuardConfig.ApprovalRule(2, List.of("ops-1", "ops-2", "ops-3")))
        .approvals(ApprovalClass.REVERSE, new GuardConfig.ApprovalRule(2, List.of("ops-1", "ops-2", "ops-3")))
        .approvals(ApprovalClass.LIFT, new GuardConfig.ApprovalRule(2, List.of("ops-1", "ops-2", "ops-3")));

    private static KeyPair keyPair()
    {
        try
        {
            return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        }
        catch (final GeneralSecurityException ex)
        {
            throw new AssertionError(ex);
        }
    }

    private static GuardFixture world()
    {
        final GuardFixture f = GuardFixture.attested(SIGNED);
        expectAccepted(f.openAccount(ALICE, AccountKind.CUSTOMER));
        f.fund(ALICE, "BTC", 1_000);
        // Headroom for the credits under test: coins in custody that no one is owed.
        expectAccepted(f.inflow(HOT, "BTC", 10_000, f.newChainRef()));
        return f;
    }

    private static Command adjust(final GuardFixture f, final long amount)
    {
        final Command c = f.begin(CommandType.ADJUST);
        c.accountId = ALICE;
        c.assetId = GuardFixture.BTC;
        c.amount = amount;
        c.memo("goodwill credit");
        c.expiresAtMs = f.nowMs() + 30_000;
        return c;
    }

    private static void sign(final GuardFixture f, final Command c, final String keyId, final KeyPair key)
    {
        assertTrue(c.addApproval(keyId, ApprovalVerifier.sign(c, f.engine.config(), key.getPrivate())));
    }

    private static Decision verifyAndSubmit(final GuardFixture f, final Command c)
    {
        new ApprovalVerifier(f.engine.config()).verify(c);
        return f.submit(c);
    }

    private static ApprovalFault unauthorized(final GuardFixture f, final Command c)
    {
        final long txIds = f.engine.tableSize(TableKind.TX_IDS);
        final String ledger = f.ledgerHash();
        final Decision decision = expectRejected(Reason.UNAUTHORIZED, verifyAndSubmit(f, c));
        assertEquals(txIds, f.engine.tableSize(TableKind.TX_IDS), "an unauthorised command records no txId");
        assertEquals(ledger, f.ledgerHash());
        final Alert alert = alertOf(decision, AlertType.UNAUTHORIZED);
        assertNotNull(alert, decision::toString);
        assertEquals(c.txId, alert.txId);
        return ApprovalFault.fromCode((int)alert.figure(0));
    }

    @Test
    void shouldAcceptACreditApprovedByTwoOfThree()
    {
        final GuardFixture f = world();
        final Command c = adjust(f, 500);
        sign(f, c, "ops-1", OPS_1);
        sign(f, c, "ops-3", OPS_3);

        expectAccepted(verifyAndSubmit(f, c));

        assertEquals(2, c.approvalsVerified);
        assertEquals(1_500, f.available(ALICE, "BTC"));
    }

    @Test
    void shouldRejectAnUnsignedCreditWithoutRecordingItsTxId()
    {
        final GuardFixture f = world();
        final Command c = adjust(f, 500);
        c.expiresAtMs = 0;

        assertEquals(ApprovalFault.EXPIRY_MISSING, unauthorized(f, c));

        final Command withExpiry = adjust(f, 500);
        assertEquals(ApprovalFault.MISSING, unauthorized(f, withExpiry));
    }

    @Test
    void shouldNeverLetOneKeyCredit()
    {
        final GuardFixture f = world();
        final Command c = adjust(f, 500);
        sign(f, c, "ops-1", OPS_1);
        assertEquals(ApprovalFault.TOO_FEW, unauthorized(f, c));

        // The same key twice is one approver.
        final Command twice = adjust(f, 500);
        sign(f, twice, "ops-1", OPS_1);
        final byte[] again = ApprovalVerifier.sign(twice, f.engine.config(), OPS_1.getPrivate());
        assertTrue(twice.addApproval("ops-1", again));
        assertEquals(ApprovalFault.DUPLICATE_APPROVER, unauthorized(f, twice));
        assertEquals(1, twice.approvalsVerified);

        // One key's signature under another approver's id does not verify.
        final Command borrowed = adjust(f, 500);
        sign(f, borrowed, "ops-1", OPS_1);
        sign(f, borrowed, "ops-2", OPS_1);
        assertEquals(ApprovalFault.BAD_SIGNATURE, unauthorized(f, borrowed));
        assertEquals(1_000, f.available(ALICE, "BTC"));
    }

    @Test
    void shouldRejectSignaturesOverOtherFigures()
    {
        final GuardFixture f = world();
        final Command c = adjust(f, 500);
        sign(f, c, "ops-1", OPS_1);
        sign(f, c, "ops-2", OPS_2);
        c.amount = 500_000;

        assertEquals(ApprovalFault.BAD_SIGNATURE, unauthorized(f, c));
        assertEquals(0, c.approvalsVerified);
    }

    @Test
    void shouldRejectKeysOutsideTheClassAndUnknownKeys()
    {
        final GuardFixture f = world();
        final Command c = adjust(f, 500);
        sign(f, c, "ops-1", OPS_1);
        sign(f, c, "outsider", OUTSIDER);
        assertEquals(ApprovalFault.KEY_NOT_IN_CLASS, unauthorized(f, c));

        final Command unknown = adjust(f, 500);
        sign(f, unknown, "ops-1", OPS_1);
        sign(f, unknown, "nobody", OPS_2);
        assertEquals(ApprovalFault.UNKNOWN_KEY, unauthorized(f, unknown));
    }

    @Test
    void shouldRefuseAnExpiredApprovalAndAnExpiryTooFarAheadButAnswerADuplicateAsBefore()
    {
        final GuardFixture f = world();
        final Command c = adjust(f, 500);
        sign(f, c, "ops-1", OPS_1);
        sign(f, c, "ops-2", OPS_2);
        expectAccepted(verifyAndSubmit(f, c));
        final Command replay = f.lastCommand();

        // The same command again, before or after its expiry, signed or not, is answered as before (I6), never
        // applied twice: a client that lost its answer can always learn it.
        assertTrue(expectAccepted(verifyAndSubmit(f, replay)).duplicate);
        f.advanceMs(30_001);
        assertTrue(expectAccepted(verifyAndSubmit(f, replay)).duplicate);
        replay.approvalCount = 0;
        assertTrue(expectAccepted(verifyAndSubmit(f, replay)).duplicate);
        assertEquals(1_500, f.available(ALICE, "BTC"));

        // Approvals given for a command that did not reach the guard in time are void.
        final Command late = adjust(f, 500);
        late.expiresAtMs = f.nowMs() - 1;
        sign(f, late, "ops-1", OPS_1);
        sign(f, late, "ops-2", OPS_2);
        assertEquals(ApprovalFault.EXPIRED, unauthorized(f, late));

        final Command tooFar = adjust(f, 500);
        tooFar.expiresAtMs = f.nowMs() + VALID_MS + 1;
        sign(f, tooFar, "ops-1", OPS_1);
        sign(f, tooFar, "ops-2", OPS_2);
        assertEquals(ApprovalFault.EXPIRY_TOO_FAR, unauthorized(f, tooFar));
    }

    @Test
    void shouldLetARejectedTxIdBeResubmittedWithEnoughApprovals()
    {
        final GuardFixture f = world();
        final Command c = adjust(f, 500);
        sign(f, c, "ops-1", OPS_1);
        assertEquals(ApprovalFault.TOO_FEW, unauthorized(f, c));

        sign(f, c, "ops-2", OPS_2);
        expectAccepted(verifyAndSubmit(f, c));
        assertEquals(1_500, f.available(ALICE, "BTC"));
    }

    @Test
    void shouldRequireApprovalsToLiftButNotToEngage()
    {
        final GuardFixture f = world();
        expectAccepted(f.freeze(ALICE));
        expectAccepted(f.halt("BTC"));

        final Command unfreeze = f.begin(CommandType.UNFREEZE);
        unfreeze.accountId = ALICE;
        unfreeze.expiresAtMs = f.nowMs() + 1_000;
        sign(f, unfreeze, "ops-2", OPS_2);
        assertEquals(ApprovalFault.TOO_FEW, unauthorized(f, unfreeze));
        assertEquals(AccountStatus.FROZEN, f.engine.accountStatus(ALICE));

        sign(f, unfreeze, "ops-3", OPS_3);
        expectAccepted(verifyAndSubmit(f, unfreeze));
        assertEquals(AccountStatus.ACTIVE, f.engine.accountStatus(ALICE));

        final Command resume = f.begin(CommandType.RESUME);
        resume.assetId = GuardFixture.BTC;
        resume.expiresAtMs = f.nowMs() + 1_000;
        sign(f, resume, "ops-1", OPS_1);
        sign(f, resume, "ops-2", OPS_2);
        expectAccepted(verifyAndSubmit(f, resume));
        assertEquals(AssetStatus.NORMAL, f.status("BTC"));
    }

    @Test
    void shouldRejectAPrivilegedCommandInsideABatch()
    {
        final GuardFixture f = world();
        final Decision decision = expectRejected(Reason.UNAUTHORIZED, f.batch(() ->
        {
            f.transfer(ALICE, ALICE + 1, "BTC", 1);
            f.adjust(ALICE, "BTC", 1);
        }));

        assertEquals(2, decision.linkedCount);
        assertEquals(Reason.LINKED_COMMAND_FAILED, decision.linkedReasons[0]);
        assertEquals(Reason.UNAUTHORIZED, decision.linkedReasons[1]);
        final Alert alert = alertOf(decision, AlertType.UNAUTHORIZED);
        assertNotNull(alert);
        assertEquals(ApprovalFault.PRIVILEGED_IN_BATCH.code(), alert.figure(0));
    }

    @Test
    void shouldLeaveOpenClassesUnsigned()
    {
        // No keys configured: development and the unsigned command files of replay.
        final GuardFixture f = GuardFixture.attested();
        expectAccepted(f.openAccount(ALICE, AccountKind.CUSTOMER));
        expectAccepted(f.inflow(HOT, "BTC", 10_000, f.newChainRef()));
        expectAccepted(f.adjust(ALICE, "BTC", 10));
        // All but CONFIGURE, which is never open: without approvers the rules do not change (SPEC §13).
        assertEquals(List.of(ApprovalClass.ADJUST, ApprovalClass.REVERSE, ApprovalClass.LIFT,
            ApprovalClass.CUSTODY_FEED), f.engine.config().openApprovalClasses());
    }

    @Test
    void shouldSignTheCustodyFeed()
    {
        final GuardFixture f = GuardFixture.create(SIGNED.andThen(config -> config.approvals(ApprovalClass.CUSTODY_FEED,
            new GuardConfig.ApprovalRule(2, List.of("feed", "feed-2")))));
        final Command attest = f.begin(CommandType.ATTEST);
        attest.walletId = HOT;
        attest.assetId = GuardFixture.BTC;
        attest.amount = 5_000;
        attest.expiresAtMs = f.nowMs() + 5_000;
        assertEquals(ApprovalFault.MISSING, unauthorized(f, attest));

        sign(f, attest, "ops-1", OPS_1);
        assertEquals(ApprovalFault.KEY_NOT_IN_CLASS, unauthorized(f, attest));

        final Command signed = f.begin(CommandType.ATTEST);
        signed.walletId = HOT;
        signed.assetId = GuardFixture.BTC;
        signed.amount = 5_000;
        signed.expiresAtMs = f.nowMs() + 5_000;
        sign(f, signed, "feed", FEED);
        assertEquals(ApprovalFault.TOO_FEW, unauthorized(f, signed));
        sign(f, signed, "feed-2", FEED_2);
        expectAccepted(verifyAndSubmit(f, signed));
        assertEquals(5_000, f.attested(HOT));
    }

    @Test
    void shouldWriteTheDocumentedCanonicalForm()
    {
        final GuardFixture f = world();
        final Command c = adjust(f, -10);
        c.memo("fee correction");
        c.expiresAtMs = 1_767_225_600_000L;

        assertEquals("ledger-guard-approval-v1\ndomain=\ntype=ADJUST\ntxId=" + c.txId +
            "\naccountId=1001\nasset=BTC\namount=-10\nmemo=fee correction\nexpiresAtMs=1767225600000\n",
            SigningPayload.text(c, f.engine.config()));

        final Command sweep = new Command();
        sweep.type = CommandType.SWEEP;
        sweep.txId = 9;
        sweep.walletId = HOT;
        sweep.toWalletId = GuardFixture.COLD;
        sweep.assetId = GuardFixture.BTC;
        sweep.amount = 5;
        sweep.chainRef("btc:sweep:1");
        sweep.expiresAtMs = 7;
        assertEquals("ledger-guard-approval-v1\ndomain=\ntype=SWEEP\ntxId=9\nwalletId=1\ntoWalletId=2\nasset=BTC\n" +
            "amount=5\nchainRef=btc:sweep:1\nexpiresAtMs=7\n", SigningPayload.text(sweep, f.engine.config()));

        c.memo("line one\nline two");
        assertNull(SigningPayload.text(c, f.engine.config()), "a control character has no canonical form");
        assertThrows(IllegalArgumentException.class, () -> ApprovalVerifier.sign(c, f.engine.config(),
            OPS_1.getPrivate()));
        c.memo("ok");
        c.memo[0] = (byte)0xC3;
        c.memo[1] = (byte)0x28;
        assertNull(SigningPayload.text(c, f.engine.config()), "bytes that are not UTF-8 have no canonical form");
        c.memo("ok");
        c.assetId = 77;
        assertNull(SigningPayload.text(c, f.engine.config()), "nor has an asset the configuration does not know");
    }

    @Test
    void shouldBindApprovalsToTheGuardsDomain()
    {
        final GuardFixture staging = GuardFixture.attested(SIGNED.andThen(config -> config.approvalDomain("staging")));
        final GuardFixture production = GuardFixture.attested(SIGNED.andThen(config -> config.approvalDomain("prod")));
        for (final GuardFixture f : List.of(staging, production))
        {
            expectAccepted(f.openAccount(ALICE, AccountKind.CUSTOMER));
            expectAccepted(f.inflow(HOT, "BTC", 10_000, f.newChainRef()));
        }
        final Command c = adjust(staging, 500);
        sign(staging, c, "ops-1", OPS_1);
        sign(staging, c, "ops-2", OPS_2);
        final Command copy = new Command();
        copy.copyFrom(c);

        expectAccepted(verifyAndSubmit(staging, c));
        final Command stolen = production.begin(CommandType.ADJUST);
        stolen.copyFrom(copy);
        assertEquals(ApprovalFault.BAD_SIGNATURE, unauthorized(production, stolen));
    }

    @Test
    void shouldJournalApprovalsWithTheCommand()
    {
        final GuardFixture f = world();
        final Command c = adjust(f, 500);
        sign(f, c, "ops-1", OPS_1);
        sign(f, c, "ops-2", OPS_2);
        new ApprovalVerifier(f.engine.config()).verify(c);
        c.seq = 77;

        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[CommandCodec.ENCODED_LENGTH_MAX]);
        final int length = CommandCodec.encode(c, buffer, 0);
        final Command decoded = new Command();
        assertEquals(length, CommandCodec.decode(buffer, 0, decoded));

        assertEquals(c.expiresAtMs, decoded.expiresAtMs);
        assertEquals(2, decoded.approvalCount);
        assertEquals(2, decoded.approvalsVerified);
        assertEquals("ops-2", decoded.approvalKeyId(1));
        assertArrayEquals(c.approvalSignature(1), decoded.approvalSignature(1));
        assertEquals(c.fingerprint(), decoded.fingerprint());
        final Command copy = new Command();
        copy.copyFrom(decoded);
        assertEquals(2, copy.approvalsVerified);
        assertArrayEquals(c.approvalSignature(0), copy.approvalSignature(0));
    }

    @Test
    void shouldRefuseConfigurationsWhereOneKeyCouldMint()
    {
        final ConfigurationException single = assertThrows(ConfigurationException.class, () ->
            GuardFixture.create(SIGNED.andThen(config -> config.approvals(ApprovalClass.ADJUST,
                new GuardConfig.ApprovalRule(1, List.of("ops-1", "ops-2"))))));
        assertEquals("approvals.ADJUST.required", single.key());
        for (final ApprovalClass crediting : List.of(ApprovalClass.REVERSE, ApprovalClass.CUSTODY_FEED))
        {
            final ConfigurationException one = assertThrows(ConfigurationException.class, () ->
                GuardFixture.create(SIGNED.andThen(config -> config.approvals(crediting,
                    new GuardConfig.ApprovalRule(1, List.of("ops-1", "ops-2"))))));
            assertEquals("approvals." + crediting + ".required", one.key());
        }
        // Lifting a freeze or a halt credits nothing: one approver may be enough.
        GuardFixture.create(SIGNED.andThen(config -> config.approvals(ApprovalClass.LIFT,
            new GuardConfig.ApprovalRule(1, List.of("ops-1")))));

        final ConfigurationException unknown = assertThrows(ConfigurationException.class, () ->
            GuardFixture.create(SIGNED.andThen(config -> config.approvals(ApprovalClass.REVERSE,
                new GuardConfig.ApprovalRule(1, List.of("ops-1", "ghost"))))));
        assertEquals("approvals.REVERSE.keys[1]", unknown.key());

        final ConfigurationException shared = assertThrows(ConfigurationException.class, () ->
            GuardFixture.create(SIGNED.andThen(config -> config.key(
                new GuardConfig.KeyConfig("ops-1-again", OPS_1.getPublic())))));
        assertEquals("keys[6].publicKey", shared.key());
        assertTrue(shared.getMessage().contains("the same public key as key id 'ops-1'"), shared.getMessage());
    }
}
