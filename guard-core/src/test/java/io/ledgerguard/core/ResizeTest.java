package io.ledgerguard.core;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * SPEC §11, resizing: a guard whose tables filled up is restarted with larger limits and keeps its history. A replay
 * into larger tables keeps every recorded refusal for want of room (each changed nothing), and a snapshot's entries
 * restore into larger tables with the same state hash; limits below the live state are refused, naming the limit.
 */
@ExtendWith(SeedReport.class)
class ResizeTest
{
    private static final long START_MS = 1_700_000_000_000L;
    private static final int ACCOUNTS = 150;
    private static final int COMMANDS = 20_000;

    private static GuardConfig small()
    {
        final GuardConfig config = RandomCommandStream.config(1_000);
        config.limits().accountsMax = 200;
        config.limits().positionsMax = 120;
        config.limits().holdsMax = 3;
        config.limits().inflowsMax = 40;
        config.limits().creditsMax = 30;
        config.limits().txIdsMax = 6_000;
        return config;
    }

    private static GuardConfig large()
    {
        final GuardConfig config = RandomCommandStream.config(100_000);
        config.limits().accountsMax = 2_000;
        config.limits().positionsMax = 3_000;
        config.limits().holdsMax = 400;
        config.limits().inflowsMax = 1_500;
        config.limits().creditsMax = 1_200;
        return config;
    }

    /** A guard on small limits, and every command it decided with its decision. */
    private static final class History
    {
        final GuardEngine engine;
        final List<Command> commands = new ArrayList<>();
        final List<Decision> decisions = new ArrayList<>();
        final Map<TableKind, Integer> exhausted = new EnumMap<>(TableKind.class);
        final RandomCommandStream stream = new RandomCommandStream(Seeds.seed("ResizeTest"), 1, ACCOUNTS);
        long seq;

        History()
        {
            this(small());
        }

        History(final GuardConfig config)
        {
            engine = new GuardEngine(config);
            for (int w = 0; w < engine.walletCount(); w++)
            {
                final Command attest = new Command();
                attest.type = CommandType.ATTEST;
                attest.txId = (1L << 50) + w;
                attest.walletId = engine.walletId(w);
                attest.assetId = engine.assetId(engine.walletAssetIndex(w));
                attest.amount = 1_000_000_000_000L;
                apply(attest);
            }
            for (int i = 0; i < COMMANDS; i++)
            {
                final Command command = new Command();
                stream.next(command);
                apply(command);
            }
        }

        void apply(final Command command)
        {
            command.seq = ++seq;
            command.timestampNs = (START_MS + seq) * 1_000_000;
            final Decision decision = new Decision();
            engine.apply(command, decision);
            if (command.type != null && stream.expectation() == RandomCommandStream.Expectation.NONE)
            {
                stream.onDecision(command, decision);
            }
            commands.add(command);
            decisions.add(decision);
            if (decision.reason == Reason.CAPACITY_EXHAUSTED)
            {
                exhausted.merge(decision.exhaustedTable, 1, Integer::sum);
            }
        }
    }

    @Test
    void shouldKeepEveryRecordedRefusalWhenReplayedIntoLargerTables()
    {
        final History history = new History();
        for (final TableKind table : TableKind.values())
        {
            assertTrue(history.exhausted.getOrDefault(table, 0) > 0, () -> "the small guard never filled " + table +
                ": " + history.exhausted);
        }

        final GuardEngine larger = new GuardEngine(large());
        final Decision replayed = new Decision();
        for (int i = 0; i < history.commands.size(); i++)
        {
            final Decision recorded = history.decisions.get(i);
            larger.replay(history.commands.get(i), replayed, recorded);
            if (!DecisionCodec.sameOutcome(replayed, recorded))
            {
                fail("seq=" + recorded.seq + ": recorded " + recorded + ", replayed " + replayed);
            }
        }
        assertNull(larger.checkInvariants());
        assertEquals(history.engine.stateHash().ledgerHex(), larger.stateHash().ledgerHex(),
            "a refusal changed nothing: the ledger is the small guard's");

        // What the small guard has no room for, the larger one accepts.
        final Command open = openAccount(history.seq + 1, 9_000_001);
        final Decision smallDecision = new Decision();
        history.engine.apply(open, smallDecision);
        assertEquals(Reason.CAPACITY_EXHAUSTED, smallDecision.reason, smallDecision::toString);
        final Decision largeDecision = new Decision();
        larger.apply(open, largeDecision);
        assertEquals(Reason.OK, largeDecision.reason, largeDecision::toString);
    }

    @Test
    void shouldReplayRecordedRefusalsExactlyIntoTheSameTables()
    {
        final History history = new History();
        final GuardEngine same = new GuardEngine(small());
        final Decision replayed = new Decision();
        for (int i = 0; i < history.commands.size(); i++)
        {
            final Decision recorded = history.decisions.get(i);
            same.replay(history.commands.get(i), replayed, recorded);
            assertTrue(DecisionCodec.sameOutcome(replayed, recorded), () -> recorded + " / " + replayed);
        }
        assertEquals(history.engine.stateHash().hex(), same.stateHash().hex(), "replay is exact on the same limits");
    }

    @Test
    void shouldRestoreASnapshotIntoLargerTablesWithTheSameStateHash()
    {
        // Room for every txId, so that holds and credits are still being made when the snapshot is taken.
        final GuardConfig roomForIds = small();
        roomForIds.limits().txIdsMax = 100_000;
        final History history = new History(roomForIds);
        holdSomething(history);
        final Snapshot snapshot = Snapshot.of(history.engine);
        assertTrue(snapshot.entries(TableKind.HOLDS) > 0 && snapshot.entries(TableKind.CREDITS) > 0,
            () -> "the state has holds and credits to restore: " + history.exhausted + ", holds=" +
                snapshot.entries(TableKind.HOLDS) + ", credits=" + snapshot.entries(TableKind.CREDITS));

        final GuardEngine larger = new GuardEngine(large());
        snapshot.restoreInto(larger, history.seq);
        assertEquals(history.engine.stateHash().hex(), larger.stateHash().hex());
        assertNull(larger.checkInvariants());

        final GuardEngine same = new GuardEngine(roomForIds);
        snapshot.restoreInto(same, history.seq);
        assertEquals(history.engine.stateHash().hex(), same.stateHash().hex());

        // The restored guards go on as the original does: the same decisions, the same state.
        final Command command = new Command();
        final Decision original = new Decision();
        final Decision restored = new Decision();
        for (int i = 0; i < 5_000; i++)
        {
            history.stream.next(command);
            command.seq = ++history.seq;
            command.timestampNs = (START_MS + history.seq) * 1_000_000;
            history.engine.apply(command, original);
            if (command.type != null && history.stream.expectation() == RandomCommandStream.Expectation.NONE)
            {
                history.stream.onDecision(command, original);
            }
            same.apply(command, restored);
            assertTrue(DecisionCodec.sameOutcome(original, restored), () -> original + " / " + restored);
            larger.replay(command, restored, original);
            assertTrue(DecisionCodec.sameOutcome(original, restored), () -> original + " / " + restored);
        }
        assertEquals(history.engine.stateHash().hex(), same.stateHash().hex());
        assertEquals(history.engine.stateHash().ledgerHex(), larger.stateHash().ledgerHex());
    }

    @Test
    void shouldRefuseLimitsBelowTheLiveStateNamingTheLimit()
    {
        final History history = new History();
        final GuardConfig smaller = small();
        smaller.limits().positionsMax = history.engine.tableSize(TableKind.POSITIONS) - 1;
        final StateDoesNotFitException refused = assertThrows(StateDoesNotFitException.class,
            () -> Snapshot.of(history.engine).restoreInto(new GuardEngine(smaller), history.seq));
        assertTrue(refused.getMessage().contains("limits.positionsMax is " + smaller.limits().positionsMax),
            refused.getMessage());
        assertTrue(refused.getMessage().contains(history.engine.tableSize(TableKind.POSITIONS) + " positions"),
            refused.getMessage());
    }

    /**
     * A hold on a funded position, unless holds are open already: the restore has a position offset to find again.
     * Kill switches the random stream left engaged on every asset (its rare HALT of everything, say) are lifted first,
     * as an operator would, so that the hold can be placed.
     */
    private static void holdSomething(final History history)
    {
        if (history.engine.tableSize(TableKind.HOLDS) > 0)
        {
            return;
        }
        long[] funded = fundedPosition(history);
        if (funded == null)
        {
            history.apply(resume(0));
            for (int asset = 0; asset < history.engine.assetCount(); asset++)
            {
                if (history.engine.assetStatus(asset) == AssetStatus.HALTED)
                {
                    history.apply(resume(history.engine.assetId(asset)));
                }
            }
            funded = fundedPosition(history);
        }
        assertTrue(funded != null, "a funded account");
        final Command hold = new Command();
        hold.type = CommandType.HOLD;
        hold.txId = 1L << 52;
        hold.holdId = 1L << 52;
        hold.accountId = funded[0];
        hold.assetId = (int)funded[1];
        hold.amount = 1;
        history.apply(hold);
        assertEquals(Reason.OK, history.decisions.get(history.decisions.size() - 1).reason,
            () -> history.decisions.get(history.decisions.size() - 1).toString());
    }

    /** An active account's funded position on an asset that may trade, as {accountId, assetId}; null if none. */
    private static long[] fundedPosition(final History history)
    {
        final long[] funded = new long[2];
        history.engine.forEachPosition((accountId, assetIndex, available, held, creditLimit) ->
        {
            // An account whose asset a random kill switch left halted cannot hold: not what this test is about.
            if (available > 0 && funded[0] == 0 && history.engine.accountStatus(accountId) == AccountStatus.ACTIVE &&
                history.engine.assetStatus(assetIndex) == AssetStatus.NORMAL)
            {
                funded[0] = accountId;
                funded[1] = history.engine.assetId(assetIndex);
            }
        });
        return funded[0] == 0 ? null : funded;
    }

    /** A {@code RESUME} of the asset, or of everything when {@code assetId} is 0, on a txId the stream never uses. */
    private static Command resume(final int assetId)
    {
        final Command resume = new Command();
        resume.type = CommandType.RESUME;
        resume.txId = (1L << 53) + assetId;
        resume.assetId = assetId;
        return resume;
    }

    private static Command openAccount(final long seq, final long accountId)
    {
        final Command open = new Command();
        open.type = CommandType.OPEN_ACCOUNT;
        open.txId = (1L << 51) + accountId;
        open.accountId = accountId;
        open.accountKind = AccountKind.CUSTOMER;
        open.seq = seq;
        open.timestampNs = (START_MS + seq) * 1_000_000;
        return open;
    }

    /**
     * A snapshot held in memory: each part's entries, as a snapshot file holds them.
     */
    static final class Snapshot
    {
        private final List<byte[]> parts = new ArrayList<>();
        private final List<Integer> entryBytes = new ArrayList<>();
        private final List<Long> counts = new ArrayList<>();

        static Snapshot of(final GuardEngine engine)
        {
            final Snapshot snapshot = new Snapshot();
            for (int i = 0; i < engine.statePartCount(); i++)
            {
                final int bytes = engine.stateEntryBytes(i);
                final long count = engine.stateEntryCount(i);
                final byte[] part = new byte[Math.toIntExact(count * bytes)];
                final UnsafeBuffer out = new UnsafeBuffer(part);
                final int[] written = new int[1];
                engine.forEachStateEntry(i, (buffer, offset) ->
                {
                    out.putBytes(written[0] * bytes, buffer, offset, bytes);
                    written[0]++;
                });
                assertEquals(count, written[0], engine.statePartName(i));
                snapshot.parts.add(part);
                snapshot.entryBytes.add(bytes);
                snapshot.counts.add(count);
            }
            return snapshot;
        }

        /**
         * @return the entries of the part of that name, to be changed in place before a restore.
         */
        UnsafeBuffer part(final GuardEngine engine, final String name)
        {
            for (int i = 0; i < parts.size(); i++)
            {
                if (engine.statePartName(i).equals(name))
                {
                    return new UnsafeBuffer(parts.get(i));
                }
            }
            throw new IllegalArgumentException(name);
        }

        long entries(final TableKind table)
        {
            return counts.get(List.of("accounts", "positions", "holds", "txIds", "inflows", "assets", "wallets",
                "globals", "windows", "credits").indexOf(table == TableKind.TX_IDS ? "txIds" :
                table.name().toLowerCase(java.util.Locale.ROOT)));
        }

        void restoreInto(final GuardEngine engine, final long seq)
        {
            for (int i = 0; i < parts.size(); i++)
            {
                engine.beginStateRestore(i, counts.get(i));
                final UnsafeBuffer in = new UnsafeBuffer(parts.get(i));
                for (long e = 0; e < counts.get(i); e++)
                {
                    engine.restoreStateEntry(i, e, in, (int)e * entryBytes.get(i));
                }
            }
            engine.stateRestored(seq);
        }
    }
}
