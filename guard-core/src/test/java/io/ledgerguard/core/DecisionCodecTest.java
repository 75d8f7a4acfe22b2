package io.ledgerguard.core;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(SeedReport.class)
class DecisionCodecTest
{
    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[DecisionCodec.ENCODED_LENGTH_MAX + 64]);

    @Test
    void shouldRoundTripEveryDecisionOfARandomStreamWithItsAlertsAndLinkedOutcomes()
    {
        final long seed = Seeds.seed("DecisionCodecTest");
        final GuardEngine engine = new GuardEngine(RandomCommandStream.config(400_000));
        final RandomCommandStream stream = new RandomCommandStream(seed, 1, 2_000);
        final Command command = new Command();
        final Decision decision = new Decision();
        final Decision decoded = new Decision();
        int alerts = 0;
        int linked = 0;
        int rejected = 0;
        for (int w = 0; w < engine.walletCount(); w++)
        {
            command.reset();
            command.type = CommandType.ATTEST;
            command.txId = (1L << 50) + w;
            command.walletId = engine.walletId(w);
            command.assetId = engine.assetId(engine.walletAssetIndex(w));
            command.amount = 1_000_000_000_000L;
            command.seq = w + 1;
            command.timestampNs = 1_000_000;
            engine.apply(command, decision);
        }
        for (int i = 1; i <= 100_000; i++)
        {
            stream.next(command);
            command.seq = engine.walletCount() + i;
            command.timestampNs = (1_000L + i) * 1_000_000;
            engine.apply(command, decision);
            stream.onDecision(command, decision);
            final int length = DecisionCodec.encode(decision, buffer, 7);
            assertEquals(length, DecisionCodec.decode(buffer, 7, length, decision.seq, decoded));
            assertTrue(DecisionCodec.sameOutcome(decision, decoded), "seq=" + decision.seq + ": " + decision +
                " decoded as " + decoded);
            assertEquals(decision.timestampNs, decoded.timestampNs);
            alerts += decision.alertCount;
            linked += decision.linkedCount;
            rejected += decision.accepted() ? 0 : 1;
        }
        assertTrue(alerts > 0 && linked > 0 && rejected > 0,
            "the stream exercised alerts=" + alerts + ", linked=" + linked + ", rejected=" + rejected);
    }

    @Test
    void shouldTellDifferentOutcomesApart()
    {
        final Decision a = new Decision();
        a.reset(5, 9, 100);
        final Decision b = new Decision();
        b.copyFrom(a);
        assertTrue(DecisionCodec.sameOutcome(a, b));
        b.reason = Reason.INSUFFICIENT_AVAILABLE;
        assertFalse(DecisionCodec.sameOutcome(a, b));
        b.copyFrom(a);
        b.duplicate = true;
        assertFalse(DecisionCodec.sameOutcome(a, b));
    }

    @Test
    void shouldRefuseBytesThatAreNotADecision()
    {
        final Decision decision = new Decision();
        decision.reset(1, 2, 3);
        final int length = DecisionCodec.encode(decision, buffer, 0);
        buffer.putShort(0, (short)9999, java.nio.ByteOrder.LITTLE_ENDIAN);
        final IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
            () -> DecisionCodec.decode(buffer, 0, length, 1, new Decision()));
        assertTrue(unknown.getMessage().contains("unknown reason code=9999"), unknown.getMessage());
        assertThrows(IllegalArgumentException.class, () -> DecisionCodec.decode(buffer, 0, 10, 1, new Decision()));
    }
}
