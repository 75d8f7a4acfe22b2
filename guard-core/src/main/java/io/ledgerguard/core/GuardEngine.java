package io.ledgerguard.core;

import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicLong;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import io.ledgerguard.core.engine.AssetDescriptor;
import io.ledgerguard.core.engine.Configuration;
import io.ledgerguard.core.engine.EngineAuditor;
import io.ledgerguard.core.engine.EngineParts;
import io.ledgerguard.core.engine.GlobalDescriptor;
import io.ledgerguard.core.engine.Idempotency;
import io.ledgerguard.core.engine.KillSwitchState;
import io.ledgerguard.core.engine.StateHasher;
import io.ledgerguard.core.engine.StatePart;
import io.ledgerguard.core.engine.StateEntries;
import io.ledgerguard.core.engine.StateReader;
import io.ledgerguard.core.engine.WalletDescriptor;
import io.ledgerguard.core.engine.Windows;

/**
 * The guard's deterministic state machine: {@code apply(command) -> decision} over off-heap state (SPEC §3, §4).
 * <p>
 * Single-threaded: one thread applies every command, in sequence order, whether that is a matching engine calling
 * {@link #apply(Command, Decision)} on its own thread or the guard stage of a {@code LedgerGuard} pipeline. The apply
 * path allocates nothing, takes no lock, does no I/O and reads no clock: time arrives with the sequenced command.
 * State is a pure function of the sequenced commands (I7). Other threads read per-asset figures through
 * {@link #counters()}, and the rest through {@link #readState(StateView)}; every other accessor is for the applying
 * thread, or for when it is stopped.
 * <p>
 * This class keeps the sequence lock, the clock and the dispatch; the rules live in rooms, one per concern, each
 * owning its state (see {@link EngineParts}): idempotency, approvals, accounts, holds, withdrawals, transfers, credits,
 * custody, cover, kill switches, windows and alerts. Each command is validated completely before its first write (a
 * check phase that only reads, then an apply phase), so a rejected command changes nothing but the record of its txId
 * (I6). A linked batch is applied inner command by inner command through an undo log and rolled back whole when one
 * of them fails.
 */
public final class GuardEngine
{
    private final EngineParts parts;
    private final AssetCounters counters;
    private final StateReader reader;
    private final StateEntries entries;
    /** Odd while a command is being applied: {@link #readState} on another thread retries then. */
    private final AtomicLong stateVersion = new AtomicLong();
    /** The snapshot name of the rules part (SPEC §13), after the parts {@link StatePart} lists. */
    public static final String RULES_PART_NAME = "rules";
    private static final long RULES_RECORD_WORDS_MAX = 1 << 20;
    /** While a snapshot is restored: its rules record. */
    private UnsafeBuffer restoringRules;
    /** During {@link #replay}: the journal's refusal for want of room, kept when the tables have room now. */
    private Decision recordedRefusal;
    /** During {@link #replay}: the journal decided the command anew: not as a resubmission, nor as a reused id. */
    private boolean recordedAsNew;

    /**
     * Allocate every table for the configuration's limits. The configuration is concluded here if it was not.
     *
     * @param config the guard's configuration.
     */
    public GuardEngine(final GuardConfig config)
    {
        parts = new EngineParts(config.conclude());
        reader = new StateReader(parts);
        entries = new StateEntries(parts);
        counters = new AssetCounters(GuardConfig.ASSETS_MAX);
        for (int i = 0; i < parts.assets.count(); i++)
        {
            counters.publish(i, 0, 0, 0, assetStatus(i), 0, 0);
        }
        listAssets();
    }

    /**
     * @return the rules in force (SPEC §13): the configuration this engine was built with, as changed by every
     *     {@code CONFIGURE} command it accepted since; readable from any thread. Table sizes are the built ones.
     */
    public GuardConfig config()
    {
        return parts.configuration.inForce().rules;
    }

    /**
     * @return the rules this engine was built with (a journal's genesis), before any change it accepted.
     */
    public GuardConfig genesisRules()
    {
        return parts.configuration.genesis();
    }

    /**
     * @return the rules in force with the sequences that go with them, of one moment; readable from any thread.
     */
    public RulesInForce rulesInForce()
    {
        return parts.configuration.inForce();
    }

    /**
     * @return how many rule changes this engine accepted: the version of the rules in force, 0 for the genesis.
     */
    public long rulesVersion()
    {
        return parts.configuration.changes();
    }

    /**
     * @return the sequence of the last rule change accepted; 0 when the rules are the genesis.
     */
    public long rulesChangeSeq()
    {
        return parts.configuration.changeSeq();
    }

    /**
     * @return the sequence of the rule change that set the approvers in force (0: the genesis): what the approval
     *     verifier stamps into a command it counted, and what the guard compares.
     */
    public long approversSeq()
    {
        return parts.configuration.approversSeq();
    }

    /**
     * @return the per-asset figures, readable from any thread.
     */
    public AssetCounters counters()
    {
        return counters;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Apply
    // ---------------------------------------------------------------------------------------------------------------

    /**
     * Apply one sequenced command and write its decision. The command's {@link Command#seq} and
     * {@link Command#timestampNs} must have been assigned by sequencing.
     *
     * @param command  the command; not changed.
     * @param decision overwritten with the outcome and any alerts raised.
     */
    public void apply(final Command command, final Decision decision)
    {
        assert !parts.undo.isActive() : "apply re-entered";
        // A sequence lock for readers on other threads: odd from here until the command is applied. Left odd if the
        // engine throws, since the state may then be half-applied.
        final long version = stateVersion.getPlain();
        stateVersion.setRelease(version + 1);
        VarHandle.storeStoreFence();
        decision.reset(command.seq, command.txId, command.timestampNs);
        // Time only moves forward, whatever order producers stamped their commands in.
        final long nowNs = Math.max(parts.globals.get(GlobalDescriptor.LAST_TIMESTAMP_NS), command.timestampNs);
        parts.globals.putPlain(GlobalDescriptor.LAST_TIMESTAMP_NS, nowNs);
        parts.globals.putPlain(GlobalDescriptor.COMMANDS, parts.globals.get(GlobalDescriptor.COMMANDS) + 1);
        parts.context.begin(command.seq, command.txId, nowNs, decision);
        // SPEC §11: what is older than the retention window is forgotten first, in bounded work.
        parts.idempotency.expire();
        parts.credits.expire();
        parts.custody.expire();

        decision.reason = applyTopLevel(command, decision);
        haltOutflowsOnBurst();
        parts.capacity.check();

        publishDirtyAssets();
        parts.context.end();
        assert !parts.undo.isActive() : "a batch left open";
        assert decision.reason != null : "undecided: txId=" + command.txId;
        stateVersion.setRelease(version + 2);
    }

    /**
     * Replay one command of a journal, given the decision the journal recorded for it (SPEC §11, resizing). A command
     * refused for want of room ({@link Reason#CAPACITY_EXHAUSTED}) changed nothing but the record of its txId. When
     * the table it names has no room now either, as when the journal was written, the command is applied as ever;
     * when it has room (the limits were raised since), the command is refused again as recorded rather than tried, so
     * that the replay keeps every decision the guard acknowledged. Any other command is applied as by {@link #apply}.
     *
     * @param command  the command, as journaled.
     * @param decision overwritten with the outcome.
     * @param recorded the decision the journal recorded for it.
     */
    public void replay(final Command command, final Decision decision, final Decision recorded)
    {
        assert recordedRefusal == null : "replay re-entered";
        assert recorded.seq == command.seq : "recorded.seq=" + recorded.seq + ", command.seq=" + command.seq;
        final boolean refused = recorded.reason == Reason.CAPACITY_EXHAUSTED && recorded.exhaustedTable != null &&
            !recorded.duplicate;
        recordedRefusal = refused ? recorded : null;
        recordedAsNew = !recorded.duplicate && recorded.reason != Reason.TX_ID_REUSED;
        try
        {
            apply(command, decision);
        }
        finally
        {
            recordedRefusal = null;
            recordedAsNew = false;
        }
    }

    /**
     * Read the state between two commands, from any thread, without locks or allocation: the kill switches, the number
     * of frozen accounts, every wallet, and the account {@link StateView#accountId} names. The read is optimistic: it
     * fails, and changes nothing a caller may rely on, when a command was applied meanwhile. On the applying thread,
     * between commands, it always succeeds.
     *
     * @param view filled in; its reading is undefined when this returns false.
     * @return true when the view holds one consistent state.
     */
    public boolean readState(final StateView view)
    {
        final long before = stateVersion.getAcquire();
        if ((before & 1) != 0)
        {
            return false;
        }
        reader.read(view);
        // Keep the reads above from moving below the version's re-read.
        VarHandle.loadLoadFence();
        return stateVersion.getAcquire() == before;
    }

    private Reason applyTopLevel(final Command command, final Decision decision)
    {
        if (command.type == null)
        {
            return Reason.MALFORMED_COMMAND;
        }
        final long txId = command.txId;
        if (txId <= 0)
        {
            return Reason.TX_ID_MUST_BE_POSITIVE;
        }
        // Lengths and counts are public fields: one the command cannot hold is rejected here, before the fingerprint
        // walks past an array. Not recorded: there is no trustworthy fingerprint to record it under.
        final Reason shape = command.checkShape();
        if (shape != null)
        {
            return shape;
        }
        // SPEC §11: an id older than the window may be forgotten already; the command is refused, not applied twice.
        if (parts.idempotency.isOlderThanWindow(command))
        {
            return Reason.COMMAND_OLDER_THAN_TX_ID_WINDOW;
        }
        final long fingerprint = command.fingerprint();
        // Replay after the limits were raised: the journal's refusal stands. It found no record of its txId then;
        // one found now was recorded only because the txIds table has more room (SPEC §11, resizing).
        if (recordedRefusal != null && hasRoomNow(command, recordedRefusal.exhaustedTable))
        {
            return refuseAsRecorded(command, fingerprint, decision, recordedRefusal);
        }
        final int record = parts.idempotency.find(txId);
        // Replay after the limits were raised: a control command the journal's full reserve left unrecorded let its
        // txId be decided anew when it came again (SPEC §11); so it is here, though the larger reserve recorded it.
        final boolean againAsRecorded = record >= 0 && recordedAsNew && command.type != CommandType.BATCH;
        if (record >= 0 && !againAsRecorded)
        {
            if (parts.idempotency.fingerprint(record) != fingerprint)
            {
                return Reason.TX_ID_REUSED;
            }
            // The same command again, approvals or not: answered as before (I6) and nothing changes, so that a
            // client who lost the answer (GUARD_FAILED) can always learn it.
            return parts.idempotency.originalDecision(command, record, decision);
        }
        // Before anything is recorded: an unauthorised command changes nothing, not even the record of its txId.
        if (!parts.approvals.authorized(command, decision))
        {
            return Reason.UNAUTHORIZED;
        }
        if (command.type == CommandType.BATCH)
        {
            return applyBatch(command, fingerprint, decision);
        }
        // Control commands use the reserve; when even that is full they are still applied, unrecorded: each is
        // harmless to apply twice (a switch set twice, an attestation of the same balance, an inflow whose chain
        // reference is then known).
        final boolean control = Idempotency.isControl(command.type);
        final boolean recordable = againAsRecorded || parts.idempotency.hasRoomFor(1, control);
        if (!recordable && !control)
        {
            decision.exhaustedTable = TableKind.TX_IDS;
            return Reason.CAPACITY_EXHAUSTED;
        }
        final Reason reason = applyOne(command);
        parts.holds.removeEmptied();
        if (againAsRecorded)
        {
            // The journal recorded this decision under the txId (or nothing, for a control command it could not
            // record): the record the larger reserve kept is replaced by it.
            parts.idempotency.rerecord(record, fingerprint, reason, decision.exhaustedTable);
        }
        else if (recordable)
        {
            parts.idempotency.record(txId, fingerprint, reason, -1, decision.exhaustedTable);
        }
        return reason;
    }

    /**
     * Whether a table refused this command for want of room could now take what it needs: the txIds table for its
     * ids, any other table for one more entry.
     */
    private boolean hasRoomNow(final Command command, final TableKind table)
    {
        if (table == TableKind.TX_IDS)
        {
            final long ids = command.type == CommandType.BATCH ? command.batchCount + 1L : 1;
            return parts.idempotency.hasRoomFor(ids, Idempotency.isControl(command.type));
        }
        return !parts.capacity.isFull(table);
    }

    /**
     * Refuse a command as the journal recorded it refused for want of room, recording its txId as the refusal did:
     * a refusal in its check phase wrote nothing else, and with the txIds table full it recorded nothing at all. A
     * control command the journal's smaller reserve could not record may have been recorded by an earlier replay of
     * the same txId: it is not recorded twice.
     */
    private Reason refuseAsRecorded(
        final Command command, final long fingerprint, final Decision decision, final Decision recorded)
    {
        final TableKind table = recorded.exhaustedTable;
        decision.exhaustedTable = table;
        if (table == TableKind.TX_IDS)
        {
            return Reason.CAPACITY_EXHAUSTED;
        }
        int failedIndex = -1;
        if (command.type == CommandType.BATCH)
        {
            final int count = command.batchCount;
            decision.linkedCount = count;
            for (int i = 0; i < count; i++)
            {
                decision.linkedTxIds[i] = command.inner(i).txId;
                final boolean failed = failedIndex < 0 && recorded.linkedReasons[i] == Reason.CAPACITY_EXHAUSTED;
                failedIndex = failed ? i : failedIndex;
                decision.linkedReasons[i] = failed ? Reason.CAPACITY_EXHAUSTED : Reason.LINKED_COMMAND_FAILED;
            }
            assert failedIndex >= 0 : "a batch refused for room names no inner command: txId=" + command.txId;
        }
        final boolean recordable = parts.idempotency.hasRoomFor(1, Idempotency.isControl(command.type));
        if (recordable && parts.idempotency.find(command.txId) < 0)
        {
            parts.idempotency.record(command.txId, fingerprint, Reason.CAPACITY_EXHAUSTED, failedIndex, table);
        }
        return Reason.CAPACITY_EXHAUSTED;
    }

    private Reason applyBatch(final Command batch, final long fingerprint, final Decision decision)
    {
        final int count = batch.batchCount;
        if (!parts.idempotency.hasRoomFor(count + 1L, false))
        {
            decision.exhaustedTable = TableKind.TX_IDS;
            return Reason.CAPACITY_EXHAUSTED;
        }
        decision.linkedCount = count;
        for (int i = 0; i < count; i++)
        {
            decision.linkedTxIds[i] = batch.inner(i).txId;
            decision.linkedReasons[i] = Reason.LINKED_COMMAND_FAILED;
        }

        Reason reason = count == 0 ? Reason.BATCH_MUST_NOT_BE_EMPTY : Reason.OK;
        int failedIndex = -1;
        for (int i = 0; i < count && reason == Reason.OK; i++)
        {
            reason = parts.idempotency.checkLinkedId(batch, i);
            failedIndex = reason == Reason.OK ? -1 : i;
        }
        if (reason == Reason.OK)
        {
            failedIndex = applyLinked(batch, decision);
            reason = failedIndex < 0 ? Reason.OK : decision.linkedReasons[failedIndex];
        }

        if (reason == Reason.OK)
        {
            for (int i = 0; i < count; i++)
            {
                final Command inner = batch.inner(i);
                parts.idempotency.record(inner.txId, inner.fingerprint(), Reason.OK, -1, null);
                decision.linkedReasons[i] = Reason.OK;
            }
        }
        else if (failedIndex >= 0)
        {
            decision.linkedReasons[failedIndex] = reason;
        }
        parts.idempotency.record(batch.txId, fingerprint, reason, failedIndex, decision.exhaustedTable);
        return reason;
    }

    /**
     * Apply a batch's inner commands through the undo log: all of them, or none when one fails.
     *
     * @return the index of the inner command that failed, its reason in {@code decision.linkedReasons}; -1 when all
     *         were applied.
     */
    private int applyLinked(final Command batch, final Decision decision)
    {
        parts.undo.begin();
        final int alertsBefore = decision.alertCount;
        for (int i = 0, count = batch.batchCount; i < count; i++)
        {
            final int innerAlertsFrom = decision.alertCount;
            final Reason reason = applyOne(batch.inner(i));
            if (reason != Reason.OK)
            {
                parts.undo.rollback();
                parts.holds.forgetEmptied();
                // What the inner commands before the failing one raised was undone with them; what explains the
                // failure stays.
                decision.removeAlerts(alertsBefore, innerAlertsFrom);
                decision.linkedReasons[i] = reason;
                return i;
            }
        }
        parts.undo.commit();
        parts.holds.removeEmptied();
        return -1;
    }

    private Reason applyOne(final Command command)
    {
        switch (command.type)
        {
            case OPEN_ACCOUNT: return parts.accounts.openAccount(command);
            case INFLOW: return parts.custody.inflow(command);
            case SWEEP: return parts.custody.sweep(command);
            case DEPOSIT: return parts.credits.deposit(command);
            case TRANSFER: return parts.transfers.transfer(command);
            case HOLD: return parts.holds.hold(command);
            case RELEASE: return parts.holds.release(command);
            case WITHDRAW: return parts.withdrawals.withdraw(command);
            case WITHDRAW_SETTLE: return parts.withdrawals.settle(command);
            case WITHDRAW_CANCEL: return parts.withdrawals.cancel(command);
            case ADJUST: return parts.credits.adjust(command);
            case ATTEST: return parts.custody.attest(command);
            case FREEZE: return parts.accounts.setStatus(command, AccountStatus.FROZEN);
            case UNFREEZE: return parts.accounts.setStatus(command, AccountStatus.ACTIVE);
            case HALT: return parts.killSwitches.halt(command);
            case RESUME: return parts.killSwitches.resume(command);
            case REVERSE: return parts.credits.reverse(command);
            case CONFIGURE: return parts.configuration.configure(command);
            case BATCH: return Reason.BATCH_MUST_NOT_BE_NESTED;
            default: throw new IllegalStateException("unhandled command type: " + command.type);
        }
    }

    /**
     * SPEC §5.4, once a command is decided: a velocity rejection counts towards a burst, and the burst-th within the
     * window halts the asset's outflows. The one way a rejected command changes the ledger.
     */
    private void haltOutflowsOnBurst()
    {
        final int asset = parts.windows.countVelocityRejection();
        if (asset >= 0 && parts.killSwitches.outflowSwitch(asset) == KillSwitchState.LIFTED)
        {
            parts.killSwitches.engageAsset(asset, AssetDescriptor.FLAG_OUTFLOWS_HALTED, KillSwitchCause.VELOCITY_BURST,
                parts.assets.outflowBurstMax(asset));
        }
    }

    private void publishDirtyAssets()
    {
        final long seq = parts.context.seq();
        final long nowNs = parts.context.nowNs();
        for (int i = 0, count = parts.assets.dirtyCount(); i < count; i++)
        {
            publish(parts.assets.dirtyAsset(i), seq, nowNs);
        }
        parts.assets.clearDirty();
        // An asset listed by a rule change was published above (its record is dirty): readers may now see it.
        listAssets();
    }

    /**
     * Let readers of the counters see the assets listed: their ids, then their number. Work only when a rule change
     * (or a restore) changed it: one compare per command otherwise.
     */
    private void listAssets()
    {
        final int count = parts.assets.count();
        if (counters.listedCount() != count)
        {
            for (int i = 0; i < count; i++)
            {
                counters.list(i, parts.assets.id(i));
            }
            counters.count(count);
        }
    }

    private void publish(final int asset, final long seq, final long nowNs)
    {
        counters.publish(
            asset,
            parts.assets.get(asset, AssetDescriptor.OBLIGATIONS),
            parts.assets.get(asset, AssetDescriptor.HOLDINGS),
            parts.assets.get(asset, AssetDescriptor.HELD),
            assetStatus(asset),
            seq,
            nowNs);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Snapshots: the whole state is the parts StatePart lists.
    // ---------------------------------------------------------------------------------------------------------------

    /**
     * @return how many parts the state has: see {@link #statePart(int)}.
     */
    public int statePartCount()
    {
        return StatePart.count() + 1;
    }

    private boolean isRulesPart(final int index)
    {
        return index == StatePart.count();
    }

    /**
     * @param index a part, from 0.
     * @return its name, stable across versions of the same snapshot format.
     */
    public String statePartName(final int index)
    {
        return isRulesPart(index) ? RULES_PART_NAME : StatePart.of(index).snapshotName();
    }

    /**
     * A part of the state, whole, capacity included: what {@link #copyStateTo} copies and the memory budget counts (a
     * snapshot writes {@link #forEachStateEntry} instead). Read or write it only while no command is being applied.
     *
     * @param index a part, from 0.
     * @return its buffer.
     */
    public UnsafeBuffer statePart(final int index)
    {
        return isRulesPart(index) ? parts.configuration.record() : parts.buffer(StatePart.of(index));
    }

    /**
     * Copy the whole state into another engine built from the same configuration: the pause a snapshot costs the
     * guard thread. Allocates nothing.
     *
     * @param target an engine of the same configuration, not applying anything.
     */
    public void copyStateTo(final GuardEngine target)
    {
        assert !parts.undo.isActive() : "copy during apply";
        for (int i = 0; i < StatePart.count(); i++)
        {
            final StatePart part = StatePart.of(i);
            final UnsafeBuffer from = parts.buffer(part);
            final UnsafeBuffer to = target.parts.buffer(part);
            assert from.capacity() == to.capacity() : part + " " + from.capacity() + " != " + to.capacity();
            // The per-asset and per-wallet parts are laid out for the most there can be: only what is listed is copied.
            switch (part)
            {
                case ASSETS: to.putBytes(0, from, 0, parts.assets.count() * AssetDescriptor.WORDS * 8); break;
                case WALLETS: to.putBytes(0, from, 0, parts.wallets.count() * WalletDescriptor.WORDS * 8); break;
                case WINDOWS: Windows.copyListed(from, to, parts.assets.count(), parts.wallets.count()); break;
                default: to.putBytes(0, from, 0, from.capacity());
            }
        }
        target.parts.configuration.copyFrom(parts.configuration);
        // A copy replaces whatever a snapshot had begun to restore into the target (a load that failed half-way).
        target.restoringRules = null;
        target.entries.abandonRestore();
    }

    /**
     * Receives the entries of a part of the state: see {@link #forEachStateEntry(int, StateEntryVisitor)}.
     */
    @FunctionalInterface
    public interface StateEntryVisitor
    {
        /**
         * @param buffer holds the entry; only valid during the call.
         * @param offset where it starts; it is {@link #stateEntryBytes(int)} long.
         */
        void entry(DirectBuffer buffer, int offset);
    }

    /**
     * @param index a part, from 0.
     * @return the length of each of its entries in a snapshot, in bytes (SPEC §8).
     */
    public int stateEntryBytes(final int index)
    {
        return isRulesPart(index) ? 8 : entries.entryBytes(StatePart.of(index));
    }

    /**
     * @param index a part, from 0.
     * @return how many entries a snapshot holds for it: a table's live entries, not its capacity.
     */
    public long stateEntryCount(final int index)
    {
        return isRulesPart(index) ?
            parts.configuration.record().capacity() / 8 : entries.entryCount(StatePart.of(index));
    }

    /**
     * Visit the entries of a part as a snapshot holds them: nothing in them depends on the tables' capacity, so they
     * restore into an engine of larger limits (SPEC §11, resizing). Only while no command is being applied; walks
     * every slot of the part's table.
     *
     * @param index   a part, from 0.
     * @param visitor receives each entry, in the order {@link #restoreStateEntry} takes them.
     */
    public void forEachStateEntry(final int index, final StateEntryVisitor visitor)
    {
        assert !parts.undo.isActive() : "snapshot during apply";
        if (isRulesPart(index))
        {
            final UnsafeBuffer record = parts.configuration.record();
            for (int offset = 0; offset < record.capacity(); offset += 8)
            {
                visitor.entry(record, offset);
            }
            return;
        }
        entries.forEach(StatePart.of(index), visitor);
    }

    /**
     * Before restoring a part's entries into this engine, fresh from its constructor: refuse what its limits cannot
     * hold.
     *
     * @param index a part, from 0, restored in order.
     * @param count how many entries the snapshot holds for it.
     * @throws StateDoesNotFitException naming the limit when they do not fit.
     */
    public void beginStateRestore(final int index, final long count)
    {
        if (isRulesPart(index))
        {
            if (count < Configuration.RECORD_HEADER_WORDS || count > RULES_RECORD_WORDS_MAX)
            {
                throw new IllegalStateException("a rules record of " + count + " words, expected " +
                    Configuration.RECORD_HEADER_WORDS + ".." + RULES_RECORD_WORDS_MAX);
            }
            restoringRules = new UnsafeBuffer(new byte[(int)count * 8]);
            return;
        }
        entries.beginRestore(StatePart.of(index), count);
    }

    /**
     * Restore one entry of a part; then {@link #stateRestored(long)} once every part is restored.
     *
     * @param index  a part, from 0.
     * @param entry  the entry's place in the part, from 0.
     * @param buffer holds the entry.
     * @param offset where it starts.
     */
    public void restoreStateEntry(final int index, final long entry, final DirectBuffer buffer, final int offset)
    {
        if (isRulesPart(index))
        {
            restoringRules.putLong((int)entry * 8, buffer.getLong(offset));
            return;
        }
        entries.restore(StatePart.of(index), entry, buffer, offset);
    }

    /**
     * After the parts were written back from a snapshot: count the frozen accounts again (derived, and not in the
     * state hash: a snapshot written before the count was kept holds 0) and publish every asset's figures as of the
     * restored sequence.
     *
     * @param restoredSeq the sequence the snapshot was taken at.
     */
    public void stateRestored(final long restoredSeq)
    {
        entries.endRestore();
        final boolean withRules = restoringRules != null;
        if (withRules)
        {
            parts.configuration.restore(restoringRules);
            restoringRules = null;
        }
        entries.checkRestoredShape(withRules);
        parts.context.restore(restoredSeq, parts.globals.get(GlobalDescriptor.LAST_TIMESTAMP_NS));
        parts.globals.putPlain(GlobalDescriptor.FROZEN_ACCOUNTS, parts.accounts.countFrozenAccounts());
        for (int a = 0; a < parts.assets.count(); a++)
        {
            publish(a, restoredSeq, parts.context.nowNs());
        }
        listAssets();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Reading state: for the applying thread, or when it is stopped (tests, replay, reports, audit).
    // ---------------------------------------------------------------------------------------------------------------

    /**
     * @return the number of commands applied, duplicates and rejections included.
     */
    public long commandsApplied()
    {
        return parts.globals.get(GlobalDescriptor.COMMANDS);
    }

    /**
     * @return the guard's clock: the latest sequencing time seen, in epoch nanoseconds.
     */
    public long nowNs()
    {
        return parts.globals.get(GlobalDescriptor.LAST_TIMESTAMP_NS);
    }

    /**
     * @param assetId an asset id.
     * @return its index in configuration order, or -1.
     */
    public int indexOfAsset(final int assetId)
    {
        return parts.assets.index(assetId);
    }

    /**
     * @return the number of configured assets.
     */
    public int assetCount()
    {
        return parts.assets.count();
    }

    /**
     * @param assetIndex index in configuration order.
     * @return the asset's code.
     */
    public String assetCode(final int assetIndex)
    {
        return parts.assets.code(assetIndex);
    }

    /**
     * @param assetIndex index in configuration order.
     * @return the asset's id.
     */
    public int assetId(final int assetIndex)
    {
        return parts.assets.id(assetIndex);
    }

    /**
     * @param assetIndex index in configuration order.
     * @return obligations: the sum over positions of max(balance, 0).
     */
    public long obligations(final int assetIndex)
    {
        return parts.assets.get(assetIndex, AssetDescriptor.OBLIGATIONS);
    }

    /**
     * @param assetIndex index in configuration order.
     * @return holdings: the sum of the expected holdings of the asset's wallets.
     */
    public long holdings(final int assetIndex)
    {
        return parts.assets.get(assetIndex, AssetDescriptor.HOLDINGS);
    }

    /**
     * @param assetIndex index in configuration order.
     * @return the sum over positions of held.
     */
    public long held(final int assetIndex)
    {
        return parts.assets.get(assetIndex, AssetDescriptor.HELD);
    }

    /**
     * @param assetIndex index in configuration order.
     * @return the asset's status as of the guard's clock.
     */
    public AssetStatus assetStatus(final int assetIndex)
    {
        if (parts.killSwitches.isHalted(assetIndex))
        {
            return AssetStatus.HALTED;
        }
        return parts.custody.isStale(assetIndex) ? AssetStatus.RESTRICTED : AssetStatus.NORMAL;
    }

    /**
     * @param assetIndex an asset index.
     * @return true when the asset's outflows are halted (SPEC §5.2): withdrawals are rejected though the asset's
     *         status may be {@link AssetStatus#NORMAL}.
     */
    public boolean outflowsHalted(final int assetIndex)
    {
        return parts.killSwitches.outflowSwitch(assetIndex) == KillSwitchState.ENGAGED;
    }

    /**
     * @return the number of configured wallets.
     */
    public int walletCount()
    {
        return parts.wallets.count();
    }

    /**
     * @param walletIndex index in configuration order.
     * @return the wallet's id.
     */
    public long walletId(final int walletIndex)
    {
        return parts.wallets.id(walletIndex);
    }

    /**
     * @param walletIndex index in configuration order.
     * @return the index of the wallet's asset.
     */
    public int walletAssetIndex(final int walletIndex)
    {
        return parts.wallets.assetIndex(walletIndex);
    }

    /**
     * @param walletIndex index in configuration order.
     * @return hot, cold, custodian or bank.
     */
    public WalletKind walletKind(final int walletIndex)
    {
        return parts.wallets.kind(walletIndex);
    }

    /**
     * @param walletIndex index in configuration order.
     * @return the latest attested balance.
     */
    public long walletAttested(final int walletIndex)
    {
        return parts.wallets.get(walletIndex, WalletDescriptor.ATTESTED);
    }

    /**
     * @param walletIndex index in configuration order.
     * @return attested plus inflows since less settled outflows since.
     */
    public long walletExpected(final int walletIndex)
    {
        return parts.wallets.get(walletIndex, WalletDescriptor.EXPECTED);
    }

    /**
     * @param walletIndex index in configuration order.
     * @return the sum of open withdrawal holds on the wallet.
     */
    public long walletPending(final int walletIndex)
    {
        return parts.wallets.get(walletIndex, WalletDescriptor.PENDING);
    }

    /**
     * @param walletIndex index in configuration order.
     * @return when it was last attested (epoch ms), or {@link Long#MIN_VALUE} if never.
     */
    public long walletAttestedAtMs(final int walletIndex)
    {
        return parts.wallets.get(walletIndex, WalletDescriptor.ATTESTED_AT_MS);
    }

    /**
     * @param accountId an account id.
     * @return its status, or {@code null} when there is no such account.
     */
    public AccountStatus accountStatus(final long accountId)
    {
        final int account = accountId != 0 ? parts.accounts.find(accountId) : -1;
        return account < 0 ? null : parts.accounts.status(account);
    }

    /**
     * @param accountId an account id.
     * @return its kind, or {@code null} when there is no such account.
     */
    public AccountKind accountKind(final long accountId)
    {
        final int account = accountId != 0 ? parts.accounts.find(accountId) : -1;
        return account < 0 ? null : parts.accounts.kind(account);
    }

    /**
     * @param accountId  an account id.
     * @param assetIndex index of an asset.
     * @return the position's available, 0 when there is no position.
     */
    public long available(final long accountId, final int assetIndex)
    {
        final int position = accountId != 0 ? parts.accounts.findPosition(accountId, assetIndex) : -1;
        return position < 0 ? 0 : parts.accounts.available(position);
    }

    /**
     * @param accountId  an account id.
     * @param assetIndex index of an asset.
     * @return the position's held, 0 when there is no position.
     */
    public long heldOf(final long accountId, final int assetIndex)
    {
        final int position = accountId != 0 ? parts.accounts.findPosition(accountId, assetIndex) : -1;
        return position < 0 ? 0 : parts.accounts.held(position);
    }

    /**
     * @param holdId a hold id.
     * @return what remains of the hold, 0 when there is no open hold.
     */
    public long holdRemaining(final long holdId)
    {
        final int hold = holdId != 0 ? parts.holds.find(holdId) : -1;
        return hold < 0 ? 0 : parts.holds.remaining(hold);
    }

    /**
     * A scan of the credits table: for audit and reports, not the apply path.
     *
     * @param accountId  an account.
     * @param assetIndex an asset index.
     * @return the sum of the shortfalls its reversed credits in that asset left: claims on it (SPEC §5.6).
     */
    public long claims(final long accountId, final int assetIndex)
    {
        return parts.credits.claims(accountId, assetIndex);
    }

    /**
     * @param table a table.
     * @return how many entries it holds.
     */
    public long tableSize(final TableKind table)
    {
        return parts.tableSize(table);
    }

    /**
     * @param table a table.
     * @return true when it is past 80% of its limit (SPEC §11), as of the last command.
     */
    public boolean capacityWarned(final TableKind table)
    {
        return parts.capacity.isWarned(table);
    }

    /**
     * @param table a table.
     * @return true when ordinary commands can add nothing more to it: the guard is not ready for them.
     */
    public boolean tableFull(final TableKind table)
    {
        return parts.capacity.isFull(table);
    }

    /**
     * Visit every position, in table order (not sorted).
     *
     * @param visitor called once per position.
     */
    public void forEachPosition(final PositionVisitor visitor)
    {
        reader.forEachPosition(visitor);
    }

    /**
     * Visit every account, in table order (not sorted).
     *
     * @param visitor called once per account.
     */
    public void forEachAccount(final AccountVisitor visitor)
    {
        reader.forEachAccount(visitor);
    }

    /**
     * Receives positions from {@link #forEachPosition(PositionVisitor)}.
     */
    @FunctionalInterface
    public interface PositionVisitor
    {
        /**
         * @param accountId   the account.
         * @param assetIndex  the asset's index.
         * @param available   available.
         * @param held        held.
         * @param creditLimit how far below zero available may go.
         */
        void onPosition(long accountId, int assetIndex, long available, long held, long creditLimit);
    }

    /**
     * Receives accounts from {@link #forEachAccount(AccountVisitor)}.
     */
    @FunctionalInterface
    public interface AccountVisitor
    {
        /**
         * @param accountId the account.
         * @param kind      its kind.
         * @param status    its status.
         */
        void onAccount(long accountId, AccountKind kind, AccountStatus status);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Audit and state hash: beside the state machine, not on its apply path.
    // ---------------------------------------------------------------------------------------------------------------

    /**
     * Recompute every counter from the tables and compare (invariants I1 and I3). Not for the apply path: it reads
     * every slot of every table.
     *
     * @return a description of the first violation found, or {@code null} when every invariant holds.
     */
    public String checkInvariants()
    {
        return new EngineAuditor(parts).check();
    }

    /**
     * A digest of the whole state that does not depend on the order entries were inserted in, for replay equality
     * (I7). Not for the apply path.
     *
     * @return the state hash.
     */
    public StateHash stateHash()
    {
        return new StateHasher(parts).hash();
    }
}
