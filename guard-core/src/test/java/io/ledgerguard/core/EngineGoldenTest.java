package io.ledgerguard.core;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

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

    @ParameterizedTest(name = "seed {0}")
    @CsvSource({
        "1, 48949ca5c3b9e049bdd88aae8bccd0f38a9a02ac97f41777c6bd3cf8876d411b",
        "2, cecf84f3632ba274a5d289f95938004f35dfdfbc189a2d7a080adb6957fc5918",
        "3, 875289081fc980f49d256dc1460d5599ab67b19249abb6ca6a61970b77baf13f",
    })
    void shouldDecideSeededStreamsExactlyAsRecorded(final long seed, final String expected)
        throws NoSuchAlgorithmException
    {
        final GuardEngine engine = new GuardEngine(RandomCommandStream.config(400_000));
        final RandomCommandStream stream = new RandomCommandStream(seed, 1, ACCOUNTS);
        final Command command = new Command();
        final Decision decision = new Decision();
        final MessageDigest digest = MessageDigest.getInstance("SHA-256");
        long nowMs = START_MS;

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
            fold(digest, decision);
        }
        for (int i = 1; i <= ACCOUNTS + COMMANDS; i++)
        {
            stream.next(command);
            // The feed goes quiet for longer than the attestation age now and then: assets restrict, alerts fire.
            nowMs += i % 30_000 == 0 ? RandomCommandStream.ATTESTATION_AGE_MS_MAX + 1 : 1;
            command.seq = i;
            command.timestampNs = nowMs * 1_000_000;
            engine.apply(command, decision);
            fold(digest, decision);
            if (i % CHECKPOINT_EVERY == 0)
            {
                assertNull(engine.checkInvariants(), "seed=" + seed + ", command #" + i);
                fold(digest, engine.stateHash().hex());
            }
        }
        fold(digest, engine.stateHash().hex());

        final String actual = HexFormat.of().formatHex(digest.digest());
        if ("RECORD".equals(expected))
        {
            System.out.println("EngineGoldenTest seed " + seed + " -> " + actual);
        }
        else
        {
            assertEquals(expected, actual, "seed=" + seed);
        }
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
