package io.ledgerguard.core;

import java.util.EnumMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A seeded random stream of over a million commands of every type, many of them failing, keeps invariants I1, I2 and
 * I3 after every batch of commands and I6 for every resubmitted id.
 */
@ExtendWith(SeedReport.class)
class RandomSimulationTest
{
    private static final int ACCOUNTS = 10_000;
    private static final int COMMANDS = 1_000_000;
    private static final int AUDIT_EVERY = 10_000;
    private static final long START_MS = 1_700_000_000_000L;

    @Test
    void shouldKeepInvariantsOverAMillionRandomCommands()
    {
        final long seed = Seeds.seed("RandomSimulationTest");
        final GuardEngine engine = new GuardEngine(RandomCommandStream.config(4_000_000));
        final RandomCommandStream stream = new RandomCommandStream(seed, 1, ACCOUNTS);
        final Command command = new Command();
        final Decision decision = new Decision();
        final Map<CommandType, int[]> outcomes = new EnumMap<>(CommandType.class);
        final Map<Reason, Integer> reasons = new EnumMap<>(Reason.class);
        final long[] obligationsBefore = new long[engine.assetCount()];
        long nowMs = START_MS;
        int duplicates = 0;
        int reused = 0;

        attestEveryWallet(engine, command, decision, nowMs);

        final int total = ACCOUNTS + COMMANDS;
        for (int i = 1; i <= total; i++)
        {
            stream.next(command);
            // Every 200,000 commands the feed goes quiet for longer than the attestation age: assets restrict.
            nowMs += i % 200_000 == 0 ? RandomCommandStream.ATTESTATION_AGE_MS_MAX + 1 : 1;
            command.seq = i;
            command.timestampNs = nowMs * 1_000_000;
            for (int a = 0; a < obligationsBefore.length; a++)
            {
                obligationsBefore[a] = engine.obligations(a);
            }

            engine.apply(command, decision);

            final String context = "seed=" + seed + ", command #" + i + ": " + command + " -> " + decision;
            switch (stream.expectation())
            {
                case SAME_AS_ORIGINAL:
                    duplicates++;
                    if (!decision.duplicate || decision.reason != stream.expectedReason())
                    {
                        fail("I6: resubmission did not return the original decision " + stream.expectedReason() +
                            "; " + context);
                    }
                    break;
                case TX_ID_REUSED:
                    reused++;
                    assertEquals(Reason.TX_ID_REUSED, decision.reason, () -> "I6: " + context);
                    break;
                default:
                    break;
            }
            if (decision.accepted() && !decision.duplicate)
            {
                checkObligationsWithinHoldings(engine, obligationsBefore, context);
            }
            if (command.type != null && stream.expectation() == RandomCommandStream.Expectation.NONE)
            {
                final int[] counts = outcomes.computeIfAbsent(command.type, type -> new int[2]);
                counts[decision.accepted() ? 0 : 1]++;
            }
            reasons.merge(decision.reason, 1, Integer::sum);
            stream.onDecision(command, decision);

            if (i % AUDIT_EVERY == 0)
            {
                final String violation = engine.checkInvariants();
                final int commandNumber = i;
                assertNull(violation, () -> "seed=" + seed + ", after command #" + commandNumber);
            }
        }
        assertNull(engine.checkInvariants(), () -> "seed=" + seed);

        System.out.println("RandomSimulationTest: outcomes per type (accepted/rejected): " + describe(outcomes));
        System.out.println("RandomSimulationTest: reasons: " + reasons);
        System.out.println("RandomSimulationTest: duplicates=" + duplicates + ", reused=" + reused +
            ", accounts=" + engine.tableSize(TableKind.ACCOUNTS) + ", positions=" +
            engine.tableSize(TableKind.POSITIONS) + ", open holds=" + engine.tableSize(TableKind.HOLDS));

        assertTrue(engine.tableSize(TableKind.ACCOUNTS) >= ACCOUNTS, "accounts opened");
        assertTrue(duplicates > 1_000 && reused > 1_000, "idempotency exercised");
        assertEveryTypeAndReasonExercised(seed, outcomes, reasons);
    }

    /**
     * Attest every wallet so that trading can start.
     */
    private static void attestEveryWallet(
        final GuardEngine engine, final Command command, final Decision decision, final long nowMs)
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
            assertTrue(decision.accepted(), decision::toString);
        }
    }

    /**
     * I2 after an accepted command: no asset's obligations rose beyond its holdings less its reserve buffer.
     */
    private static void checkObligationsWithinHoldings(
        final GuardEngine engine, final long[] obligationsBefore, final String context)
    {
        for (int a = 0; a < obligationsBefore.length; a++)
        {
            final long obligations = engine.obligations(a);
            final long limit = engine.holdings(a) -
                engine.config().assets().get(a).reserveBufferMinorUnits;
            if (obligations > obligationsBefore[a] && obligations > limit)
            {
                fail("I2: obligations of " + engine.assetCode(a) + " rose to " + obligations +
                    " beyond holdings less buffer " + limit + "; " + context);
            }
        }
    }

    /**
     * The stream reached every command type accepted, the fallible ones rejected too, and the main reject reasons.
     */
    private static void assertEveryTypeAndReasonExercised(
        final long seed, final Map<CommandType, int[]> outcomes, final Map<Reason, Integer> reasons)
    {
        for (final CommandType type : new CommandType[]{
            CommandType.OPEN_ACCOUNT, CommandType.INFLOW, CommandType.DEPOSIT, CommandType.TRANSFER, CommandType.HOLD,
            CommandType.RELEASE, CommandType.WITHDRAW, CommandType.WITHDRAW_SETTLE, CommandType.WITHDRAW_CANCEL,
            CommandType.ADJUST, CommandType.ATTEST, CommandType.FREEZE, CommandType.UNFREEZE, CommandType.HALT,
            CommandType.RESUME, CommandType.BATCH})
        {
            final int[] counts = outcomes.get(type);
            assertTrue(counts != null && counts[0] > 0, () -> "seed=" + seed + ": no accepted " + type);
        }
        for (final CommandType type : new CommandType[]{
            CommandType.DEPOSIT, CommandType.TRANSFER, CommandType.HOLD, CommandType.RELEASE, CommandType.WITHDRAW,
            CommandType.ADJUST, CommandType.BATCH})
        {
            final int[] counts = outcomes.get(type);
            assertTrue(counts[1] > 0, () -> "seed=" + seed + ": no rejected " + type);
        }
        for (final Reason reason : new Reason[]{
            Reason.INSUFFICIENT_AVAILABLE, Reason.RESERVE_COVER_EXCEEDED, Reason.ASSET_RESTRICTED,
            Reason.CREDIT_CAP_EXCEEDED, Reason.HOLD_AMOUNT_EXCEEDED, Reason.TX_ID_REUSED, Reason.ACCOUNT_NOT_FOUND,
            Reason.INFLOW_NOT_FOUND})
        {
            assertTrue(reasons.containsKey(reason), () -> "seed=" + seed + ": the stream never produced " + reason);
        }
    }

    private static String describe(final Map<CommandType, int[]> outcomes)
    {
        final StringBuilder sb = new StringBuilder();
        outcomes.forEach((type, counts) -> sb.append(type).append('=').append(counts[0]).append('/')
            .append(counts[1]).append(' '));
        return sb.toString().trim();
    }
}
