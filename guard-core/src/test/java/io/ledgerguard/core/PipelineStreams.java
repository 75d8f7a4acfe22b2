package io.ledgerguard.core;

import java.util.concurrent.ConcurrentHashMap;

import io.ledgerguard.core.pipeline.LedgerGuard;

/**
 * Drives {@link RandomCommandStream}s through a pipeline from the pipeline tests (which live in another package).
 */
public final class PipelineStreams
{
    private PipelineStreams()
    {
    }

    public static long seed(final String testName)
    {
        return Seeds.seed(testName);
    }

    public static GuardConfig config()
    {
        return RandomCommandStream.config(2_000_000);
    }

    /**
     * Attest every wallet through the pipeline so that trading can start.
     */
    public static void attestAll(
        final GuardEngine engine, final LedgerGuard guard, final ConcurrentHashMap<Long, Integer> decided)
    {
        final Command command = new Command();
        for (int w = 0; w < engine.walletCount(); w++)
        {
            command.reset();
            command.type = CommandType.ATTEST;
            command.txId = (1L << 50) + w + 1;
            command.walletId = engine.walletId(w);
            command.assetId = engine.assetId(engine.walletAssetIndex(w));
            command.amount = 1_000_000_000_000L;
            final Decision decision = guard.submit(command);
            if (!decision.accepted())
            {
                throw new AssertionError("attestation rejected: " + decision);
            }
            decided.put(decision.seq, decision.reason.code());
        }
    }

    /**
     * Submit a lane's stream synchronously, recording every decision's reason code by sequence.
     */
    public static void run(
        final long seed, final int lane, final int commands, final LedgerGuard guard,
        final ConcurrentHashMap<Long, Integer> decided)
    {
        final RandomCommandStream stream = new RandomCommandStream(seed, lane, 2_500);
        final Command command = new Command();
        for (int i = 0; i < commands; i++)
        {
            stream.next(command);
            final Decision decision = guard.submit(command);
            if (decision.seq <= 0)
            {
                throw new AssertionError("not sequenced: " + decision);
            }
            if (decided.put(decision.seq, decision.reason.code()) != null)
            {
                throw new AssertionError("two decisions for seq " + decision.seq);
            }
            stream.onDecision(command, decision);
        }
    }
}
