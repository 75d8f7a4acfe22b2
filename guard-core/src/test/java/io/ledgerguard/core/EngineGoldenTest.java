package io.ledgerguard.core;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The engine decides fixed seeded streams exactly as it did when these values were recorded (before GuardEngine was
 * split into rooms): every decision with its alerts and figures, and the state hash at every checkpoint, are folded
 * into one digest that must not move. A change of rules that moves it on purpose records the new values here, and
 * says so in its commit.
 */
class EngineGoldenTest
{
    private static final int ACCOUNTS = 2_000;
    private static final int COMMANDS = 120_000;
    private static final int CHECKPOINT_EVERY = 20_000;
    private static final long START_MS = 1_700_000_000_000L;

    // The decisions digests were recorded against GuardEngine as of commit ceb535f, before it was split into rooms.
    // The state digests were recorded again when the state gained the txId and credit expiry queues and a credit's
    // time (SPEC §11), and again when inflows gained an expiry queue and a count of the credits naming them, and a
    // credit came to name its inflow by hash rather than by slot (SPEC §11); each time with the decisions unchanged.
    @ParameterizedTest(name = "seed {0}")
    @MethodSource("recorded")
    void shouldDecideSeededStreamsExactlyAsRecorded(
        final long seed, final String expectedDecisions, final String expectedWithState)
        throws NoSuchAlgorithmException
    {
        final GuardEngine engine = new GuardEngine(RandomCommandStream.config(400_000));
        final EnumSet<CommandType> accepted = EnumSet.noneOf(CommandType.class);
        final EnumSet<CommandType> rejected = EnumSet.noneOf(CommandType.class);
        final List<Long> deposits = new ArrayList<>();
        final RandomCommandStream stream = new RandomCommandStream(seed, 1, ACCOUNTS);
        final Command command = new Command();
        final Decision decision = new Decision();
        // Decisions alone, and decisions with the state hash at every checkpoint: a change of the state's layout moves
        // only the second.
        final MessageDigest decisions = MessageDigest.getInstance("SHA-256");
        final MessageDigest digest = MessageDigest.getInstance("SHA-256");
        long nowMs = START_MS;

        attestEveryWallet(engine, command, decision, nowMs, decisions, digest);
        for (int i = 1; i <= ACCOUNTS + COMMANDS; i++)
        {
            stream.next(command);
            // The feed goes quiet for longer than the attestation age now and then: assets restrict, alerts fire.
            nowMs += i % 30_000 == 0 ? RandomCommandStream.ATTESTATION_AGE_MS_MAX + 1 : 1;
            command.seq = i;
            command.timestampNs = nowMs * 1_000_000;
            engine.apply(command, decision);
            stream.onDecision(command, decision);
            if (command.type != null)
            {
                (decision.accepted() ? accepted : rejected).add(command.type);
            }
            if (command.type == CommandType.DEPOSIT && decision.accepted())
            {
                deposits.add(command.txId);
            }
            fold(decisions, decision);
            fold(digest, decision);
            if (i % CHECKPOINT_EVERY == 0)
            {
                assertNull(engine.checkInvariants(), "seed=" + seed + ", command #" + i);
                fold(digest, engine.stateHash().hex());
            }
        }
        // The random stream accepts no REVERSE and no SWEEP: a tail of both, twice over, so that the second of each
        // is refused, and a RESUME it may never refuse.
        long tailSeq = ACCOUNTS + COMMANDS;
        long tailTxId = 1L << 51;
        for (int round = 0; round < 2; round++)
        {
            for (int i = Math.max(0, deposits.size() - 5); i < deposits.size(); i++)
            {
                command.reset();
                command.type = CommandType.REVERSE;
                command.txId = ++tailTxId;
                command.reversedTxId = deposits.get(i);
                applyTail(engine, command, decision, ++tailSeq, ++nowMs, accepted, rejected, decisions, digest);
            }
            for (int w = 0; w + 1 < engine.walletCount(); w += 2)
            {
                command.reset();
                command.type = CommandType.SWEEP;
                command.txId = ++tailTxId;
                command.walletId = engine.walletId(w);
                command.toWalletId = engine.walletId(w + 1);
                command.assetId = engine.assetId(engine.walletAssetIndex(w));
                command.amount = 1_000;
                command.chainRef("golden-sweep-" + w);
                applyTail(engine, command, decision, ++tailSeq, ++nowMs, accepted, rejected, decisions, digest);
            }
        }
        // A RESUME that names two targets: refused, whatever the stream did.
        command.reset();
        command.type = CommandType.RESUME;
        command.txId = ++tailTxId;
        command.assetId = engine.assetId(0);
        command.walletId = engine.walletId(0);
        applyTail(engine, command, decision, ++tailSeq, ++nowMs, accepted, rejected, decisions, digest);
        assertNull(engine.checkInvariants(), "seed=" + seed + ", after the tail");
        fold(digest, engine.stateHash().hex());

        // The digests are only worth what the stream exercises: every type, accepted and rejected. Rule changes
        // (CONFIGURE) are left out, so that these digests, recorded before they existed, still pin every other
        // decision; RulesChangeTest replays streams with changes.
        final EnumSet<CommandType> exercised = EnumSet.complementOf(EnumSet.of(CommandType.CONFIGURE));
        assertEquals(exercised, accepted, "types accepted, seed=" + seed);
        assertEquals(exercised, rejected, "types rejected, seed=" + seed);

        final String actualDecisions = HexFormat.of().formatHex(decisions.digest());
        final String actualWithState = HexFormat.of().formatHex(digest.digest());
        if ("RECORD".equals(expectedDecisions))
        {
            System.out.println("EngineGoldenTest seed " + seed + " -> " + actualDecisions + ", " + actualWithState);
        }
        else
        {
            assertEquals(expectedDecisions, actualDecisions, "decisions, seed=" + seed);
            assertEquals(expectedWithState, actualWithState, "decisions and state, seed=" + seed);
        }
    }

    static Stream<Arguments> recorded()
    {
        // Seed, the digest of the decisions, the digest of the decisions with the state hashes.
        return Stream.of(
            Arguments.of(1L,
                "e2e29cb6f69a6916146de254edecdb582477fbf02ee2bb88dfec2602f8e5bae9",
                "8b3ac850cbf62c3b6c95dc843a2f7523fc208d7824d617b3dae95b974555b24f"),
            Arguments.of(2L,
                "a2282f5ec916af29758eadf493cafd5e18bbe63d517be17a82ec4eea167fbc32",
                "b2cb74b5427421631193f8402a106590bbec16397864d3e6c451074090725045"),
            Arguments.of(4L,
                "6ba5fc0faf71b44074f6837f79c5ec1016acb3e0b4c33f5060955513ca2bd7f8",
                "2a97bf27fd5fbdb97954cb961751a4b2cd7ee14816d7d020f0e5792738daaa32"));
    }

    /**
     * Attest every wallet so that trading can start, folding each decision into both digests.
     */
    private static void attestEveryWallet(
        final GuardEngine engine,
        final Command command,
        final Decision decision,
        final long nowMs,
        final MessageDigest decisions,
        final MessageDigest digest)
    {
        long attestTxId = 1L << 50;
        for (int w = 0; w < engine.walletCount(); w++)
        {
            command.reset();
            command.type = CommandType.ATTEST;
            command.txId = ++attestTxId;
            command.walletId = engine.walletId(w);
            command.assetId = engine.assetId(engine.walletAssetIndex(w));
            command.amount = 1_000_000_000_000L;
            command.seq = attestTxId;
            command.timestampNs = nowMs * 1_000_000;
            engine.apply(command, decision);
            fold(decisions, decision);
            fold(digest, decision);
        }
    }

    private static void applyTail(
        final GuardEngine engine,
        final Command command,
        final Decision decision,
        final long seq,
        final long nowMs,
        final EnumSet<CommandType> accepted,
        final EnumSet<CommandType> rejected,
        final MessageDigest decisions,
        final MessageDigest digest)
    {
        command.seq = seq;
        command.timestampNs = nowMs * 1_000_000;
        engine.apply(command, decision);
        (decision.accepted() ? accepted : rejected).add(command.type);
        fold(decisions, decision);
        fold(digest, decision);
    }

    private static void fold(final MessageDigest digest, final Decision decision)
    {
        final StringBuilder text = new StringBuilder(decision.toString());
        for (int i = 0; i < decision.linkedCount; i++)
        {
            text.append(" linked ").append(decision.linkedTxIds[i]).append('=').append(decision.linkedReasons[i]);
        }
        for (int i = 0; i < decision.alertCount; i++)
        {
            final Alert alert = decision.alert(i);
            text.append(" | ").append(alert).append(" timestampNs=").append(alert.timestampNs)
                .append(" walletId=").append(alert.walletId).append(" accountId=").append(alert.accountId);
        }
        text.append(" dropped=").append(decision.alertsDropped);
        fold(digest, text.toString());
    }

    private static void fold(final MessageDigest digest, final String text)
    {
        digest.update(text.getBytes(StandardCharsets.UTF_8));
        digest.update((byte)'\n');
    }
}
