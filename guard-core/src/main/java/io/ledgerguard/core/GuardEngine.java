package io.ledgerguard.core;

import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.agrona.BufferUtil;
import org.agrona.collections.Int2IntHashMap;
import org.agrona.collections.Long2LongHashMap;
import org.agrona.concurrent.UnsafeBuffer;

import io.ledgerguard.core.internal.Descriptors;
import io.ledgerguard.core.internal.InflowTable;
import io.ledgerguard.core.internal.OffHeapTable;
import io.ledgerguard.core.internal.UndoLog;

import static io.ledgerguard.core.internal.Descriptors.*;

/**
 * The guard's deterministic state machine: {@code apply(command) -> decision} over off-heap state (SPEC §3, §4).
 * <p>
 * Single-threaded: one thread applies every command, in sequence order, whether that is a matching engine calling
 * {@link #apply(Command, Decision)} on its own thread or the guard stage of a {@code LedgerGuard} pipeline. The apply
 * path allocates nothing, takes no lock, does no I/O and reads no clock: time arrives with the sequenced command.
 * State is a pure function of the sequenced commands (I7). Other threads read per-asset figures through
 * {@link #counters()}; every other accessor is for the applying thread, or for when it is stopped.
 * <p>
 * Every command is validated completely before its first write, so a rejected command changes nothing but the
 * record of its txId (I6). A linked batch is applied inner command by inner command through an undo log and rolled
 * back whole when one of them fails.
 */
public final class GuardEngine
{
    private static final int ASSET_WORDS = 10;
    /** Buckets per sliding window: a window of W ms counts what happened in the last W - W/16 to W ms. */
    private static final int WINDOW_BUCKETS = 16;
    private static final int WINDOW_EPOCH = 0;
    private static final int WINDOW_SUM = 1;
    /** The bucket length the window was kept with: a snapshot restored under another configuration starts afresh. */
    private static final int WINDOW_BUCKET_MS = 2;
    private static final int WINDOW_FIRST_BUCKET = 3;
    private static final int WINDOW_WORDS = WINDOW_FIRST_BUCKET + WINDOW_BUCKETS;
    private static final int ASSET_OBLIGATIONS = 0;
    private static final int ASSET_HOLDINGS = 1;
    private static final int ASSET_HELD = 2;
    private static final int ASSET_FLAGS = 3;
    private static final int ASSET_ATTESTED_OLDEST_MS = 4;
    private static final int ASSET_STALE = 5;
    /** When the asset's kill switch engaged, epoch ms; 0 when it is not engaged. */
    private static final int ASSET_HALTED_AT_MS = 6;
    /** Why: a {@link KillSwitchCause} code. */
    private static final int ASSET_HALT_CAUSE = 7;
    /** When the asset's outflow halt engaged, epoch ms; 0 when it is not engaged. */
    private static final int ASSET_OUTFLOWS_HALTED_AT_MS = 8;
    /** Why: a {@link KillSwitchCause} code. */
    private static final int ASSET_OUTFLOWS_HALT_CAUSE = 9;
    private static final long ASSET_FLAG_HALTED = 1;
    /** Outflows (withdrawals) of the asset halted: custody drift (SPEC §5.2). */
    private static final long ASSET_FLAG_OUTFLOWS_HALTED = 2;
    /** The hot wallets' share of holdings is above the maximum and has been alerted (SPEC §5.7). */
    private static final long ASSET_FLAG_COLD_RATIO_ALERTED = 4;
    /** Traded volume in the window is above the multiple of holdings and has been alerted (SPEC §5.3). */
    private static final long ASSET_FLAG_VOLUME_ALERTED = 8;

    private static final int WALLET_WORDS = 8;
    private static final int WALLET_ATTESTED = 0;
    private static final int WALLET_ATTESTED_AT_MS = 1;
    private static final int WALLET_INFLOWS_SINCE = 2;
    private static final int WALLET_OUTFLOWS_SINCE = 3;
    private static final int WALLET_PENDING = 4;
    private static final int WALLET_EXPECTED = 5;
    private static final int WALLET_FLAGS = 6;
    private static final long WALLET_FLAG_HALTED = 1;
    /** When the wallet's kill switch engaged, epoch ms. */
    private static final int WALLET_HALTED_AT_MS = 7;

    private static final int GLOBAL_FLAGS = 0;
    private static final int GLOBAL_LAST_TIMESTAMP_NS = 1;
    private static final int GLOBAL_COMMANDS = 2;
    private static final long GLOBAL_FLAG_HALTED = 1;
    /** When the kill switch for everything engaged, epoch ms. */
    private static final int GLOBAL_HALTED_AT_MS = 3;
    /** Accounts FROZEN now: derived from their statuses (which the state hash covers), kept for monitors. */
    private static final int GLOBAL_FROZEN_ACCOUNTS = 4;

    /** {@code TableKind.values()} copies its array on every call; the duplicate path must not allocate. */
    private static final TableKind[] TABLES = TableKind.values();

    /** Attestation time of a wallet never attested. */
    private static final long NEVER = Long.MIN_VALUE;
    private static final long NANOS_PER_MILLI = 1_000_000L;

    private final GuardConfig config;
    private final UndoLog undo = new UndoLog();
    private final OffHeapTable accounts;
    private final OffHeapTable positions;
    private final OffHeapTable holds;
    private final OffHeapTable txIds;
    private final InflowTable inflows;
    private final OffHeapTable credits;
    private final UnsafeBuffer assets;
    private final UnsafeBuffer wallets;
    private final UnsafeBuffer globals;
    private final AssetCounters counters;
    /** Odd while a command is being applied: {@link #readState} on another thread retries then. */
    private final AtomicLong stateVersion = new AtomicLong();

    private final Int2IntHashMap assetIndexById;
    private final Long2LongHashMap walletIndexById;
    private final int[] assetIds;
    private final String[] assetCodes;
    private final long[] reserveBuffer;
    private final long[] creditCap;
    /** Approvers required per {@link ApprovalClass} ordinal; 0 for an open class. */
    private final int[] approvalsRequired = new int[ApprovalClass.values().length];
    private final long approvalValidityMsMax;
    private final long[] attestationAgeMsMax;
    private final long[] breachTolerance;
    private final long[] outflowBucketMs;
    private final long[] outflowMinorUnitsMax;
    private final long[] outflowHotShareBps;
    private final long[] outflowBurstMax;
    private final long[] hotShareBpsMax;
    private final long[] volumeBucketMs;
    private final long[] volumeMultipleBps;
    /** Sliding windows (SPEC §5.4): per asset its outflows, per wallet its outflows, per asset its velocity rejections. */
    private final UnsafeBuffer windows;
    /** The asset of a withdrawal rejected for velocity in the command being applied, or -1. */
    private int velocityRejectedAsset = -1;
    private final long[] walletDriftTolerance;
    private final int[][] walletsOfAsset;
    private final long[] walletIds;
    private final int[] walletAssetIndex;
    private final WalletKind[] walletKinds;

    private final boolean[] assetDirty;
    private final int[] dirtyAssets;
    private int dirtyAssetCount;
    private final long[] holdsToRemove = new long[Command.BATCH_COMMANDS_MAX + 1];
    private int holdsToRemoveCount;

    // Per-command context, set at the start of apply.
    private long seq;
    private long txId;
    private long nowNs;
    private long nowMs;
    private Decision decision;

    /**
     * Allocate every table for the configuration's limits. The configuration is concluded here if it was not.
     *
     * @param config the guard's configuration.
     */
    public GuardEngine(final GuardConfig config)
    {
        this.config = config.conclude();
        for (final ApprovalClass approvalClass : ApprovalClass.values())
        {
            approvalsRequired[approvalClass.ordinal()] = config.approvalsRequired(approvalClass);
        }
        approvalValidityMsMax = config.approvalValidityMsMax();
        // Loaded here, not on the guard thread at the first unauthorised command.
        final ApprovalFault preloaded = ApprovalFault.fromCode(ApprovalFault.NONE.code());
        assert preloaded == ApprovalFault.NONE;
        final GuardConfig.Limits limits = config.limits();
        accounts = new OffHeapTable(limits.accountsMax, ACCOUNT_WORDS, 1, undo);
        positions = new OffHeapTable(limits.positionsMax, POSITION_WORDS, 2, undo);
        holds = new OffHeapTable(limits.holdsMax, HOLD_WORDS, 1, undo);
        txIds = new OffHeapTable(limits.txIdsMax, TX_WORDS, 1, undo);
        inflows = new InflowTable(limits.inflowsMax, undo);
        credits = new OffHeapTable(limits.creditsMax, CREDIT_WORDS, 1, undo);

        final List<GuardConfig.AssetConfig> assetConfigs = config.assets();
        final int assetCount = assetConfigs.size();
        assetIndexById = new Int2IntHashMap(assetCount * 2, 0.5f, -1);
        assetIds = new int[assetCount];
        assetCodes = new String[assetCount];
        reserveBuffer = new long[assetCount];
        creditCap = new long[assetCount];
        attestationAgeMsMax = new long[assetCount];
        breachTolerance = new long[assetCount];
        outflowBucketMs = new long[assetCount];
        outflowMinorUnitsMax = new long[assetCount];
        outflowHotShareBps = new long[assetCount];
        outflowBurstMax = new long[assetCount];
        hotShareBpsMax = new long[assetCount];
        volumeBucketMs = new long[assetCount];
        volumeMultipleBps = new long[assetCount];
        for (int i = 0; i < assetCount; i++)
        {
            final GuardConfig.AssetConfig asset = assetConfigs.get(i);
            assetIndexById.put(asset.id, i);
            assetIds[i] = asset.id;
            assetCodes[i] = asset.code;
            reserveBuffer[i] = asset.reserveBufferMinorUnits;
            creditCap[i] = asset.creditCapMinorUnits;
            attestationAgeMsMax[i] = asset.attestationAgeMsMax;
            breachTolerance[i] = asset.breachToleranceMinorUnits;
            outflowBucketMs[i] = Math.max(1, asset.outflowWindowMs / WINDOW_BUCKETS);
            outflowMinorUnitsMax[i] = asset.outflowMinorUnitsMax;
            outflowHotShareBps[i] = asset.outflowHotShareBpsMax;
            outflowBurstMax[i] = asset.outflowBurstRejectionsMax;
            hotShareBpsMax[i] = asset.hotShareBpsMax;
            volumeBucketMs[i] = Math.max(1, asset.volumeAlertWindowMs / WINDOW_BUCKETS);
            volumeMultipleBps[i] = asset.volumeAlertHoldingsMultipleBps;
        }

        final List<GuardConfig.WalletConfig> walletConfigs = config.wallets();
        final int walletCount = walletConfigs.size();
        walletIndexById = new Long2LongHashMap(Math.max(4, walletCount * 2), 0.5f, -1);
        walletIds = new long[walletCount];
        walletAssetIndex = new int[walletCount];
        walletKinds = new WalletKind[walletCount];
        walletDriftTolerance = new long[walletCount];
        final List<List<Integer>> byAsset = new ArrayList<>();
        for (int i = 0; i < assetCount; i++)
        {
            byAsset.add(new ArrayList<>());
        }
        for (int i = 0; i < walletCount; i++)
        {
            final GuardConfig.WalletConfig wallet = walletConfigs.get(i);
            walletIndexById.put(wallet.id, i);
            walletIds[i] = wallet.id;
            walletAssetIndex[i] = assetIndexById.get(config.assetByCode(wallet.asset).id);
            walletKinds[i] = wallet.kind;
            walletDriftTolerance[i] = wallet.driftToleranceMinorUnits;
            byAsset.get(walletAssetIndex[i]).add(i);
        }
        walletsOfAsset = new int[assetCount][];
        for (int i = 0; i < assetCount; i++)
        {
            walletsOfAsset[i] = byAsset.get(i).stream().mapToInt(Integer::intValue).toArray();
        }

        assets = new UnsafeBuffer(BufferUtil.allocateDirectAligned(Math.max(1, assetCount) * ASSET_WORDS * 8, 64));
        wallets = new UnsafeBuffer(BufferUtil.allocateDirectAligned(Math.max(1, walletCount) * WALLET_WORDS * 8, 64));
        globals = new UnsafeBuffer(BufferUtil.allocateDirectAligned(64, 64));
        windows = new UnsafeBuffer(BufferUtil.allocateDirectAligned(
            Math.max(1, (3 * assetCount + walletCount) * WINDOW_WORDS * 8), 64));
        for (int i = 0; i < assetCount; i++)
        {
            assets.putLong(assetWord(i, ASSET_ATTESTED_OLDEST_MS), walletsOfAsset[i].length == 0 ? Long.MAX_VALUE : NEVER);
        }
        for (int i = 0; i < walletCount; i++)
        {
            wallets.putLong(walletWord(i, WALLET_ATTESTED_AT_MS), NEVER);
        }

        counters = new AssetCounters(assetIds);
        assetDirty = new boolean[assetCount];
        dirtyAssets = new int[assetCount];
        for (int i = 0; i < assetCount; i++)
        {
            counters.publish(i, 0, 0, 0, assetStatus(i), 0, 0);
        }
    }

    /**
     * @return the configuration this engine was built for.
     */
    public GuardConfig config()
    {
        return config;
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
        assert !undo.isActive() : "apply re-entered";
        // A sequence lock for readers on other threads: odd from here until the command is applied. Left odd if the
        // engine throws, since the state may then be half-applied.
        final long version = stateVersion.getPlain();
        stateVersion.setRelease(version + 1);
        VarHandle.storeStoreFence();
        decision.reset(command.seq, command.txId, command.timestampNs);
        this.decision = decision;
        this.seq = command.seq;
        this.txId = command.txId;
        // Time only moves forward, whatever order producers stamped their commands in.
        final long lastNs = globals.getLong(GLOBAL_LAST_TIMESTAMP_NS * 8);
        nowNs = Math.max(lastNs, command.timestampNs);
        nowMs = nowNs / NANOS_PER_MILLI;
        globals.putLong(GLOBAL_LAST_TIMESTAMP_NS * 8, nowNs);
        globals.putLong(GLOBAL_COMMANDS * 8, globals.getLong(GLOBAL_COMMANDS * 8) + 1);

        decision.reason = applyTopLevel(command, decision);
        if (velocityRejectedAsset >= 0)
        {
            countVelocityRejection();
        }

        publishDirtyAssets();
        this.decision = null;
        stateVersion.setRelease(version + 2);
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
        final long flags = globals.getLong(GLOBAL_FLAGS * 8);
        view.commandsApplied = globals.getLong(GLOBAL_COMMANDS * 8);
        view.lastTimestampNs = globals.getLong(GLOBAL_LAST_TIMESTAMP_NS * 8);
        view.haltedAll = (flags & GLOBAL_FLAG_HALTED) != 0;
        view.haltedAllSinceMs = globals.getLong(GLOBAL_HALTED_AT_MS * 8);
        view.frozenAccounts = globals.getLong(GLOBAL_FROZEN_ACCOUNTS * 8);
        for (int w = 0; w < walletIds.length; w++)
        {
            view.walletAttested[w] = walletGet(w, WALLET_ATTESTED);
            view.walletAttestedAtMs[w] = walletGet(w, WALLET_ATTESTED_AT_MS);
            view.walletExpected[w] = walletGet(w, WALLET_EXPECTED);
            view.walletPending[w] = walletGet(w, WALLET_PENDING);
            view.walletHalted[w] = (walletGet(w, WALLET_FLAGS) & WALLET_FLAG_HALTED) != 0;
            view.walletHaltedSinceMs[w] = walletGet(w, WALLET_HALTED_AT_MS);
        }
        final long accountId = view.accountId;
        // Lookups stay inside their tables whatever a concurrent writer does; a torn reading is caught below.
        final int account = accountId != 0 ? accounts.find(accountId, 0) : -1;
        view.accountFound = account >= 0;
        view.accountKindStatus = account >= 0 ? accounts.get(account, ACCOUNT_KIND_STATUS) : 0;
        for (int a = 0; a < assetIds.length; a++)
        {
            final int position = account >= 0 ? positions.find(accountId, a) : -1;
            view.hasPosition[a] = position >= 0;
            view.available[a] = position >= 0 ? positions.get(position, POSITION_AVAILABLE) : 0;
            view.held[a] = position >= 0 ? positions.get(position, POSITION_HELD) : 0;
        }
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
        final long fingerprint = command.fingerprint();
        final int txOffset = txIds.find(txId, 0);
        if (txOffset >= 0)
        {
            if (txIds.get(txOffset, TX_FINGERPRINT) != fingerprint)
            {
                return Reason.TX_ID_REUSED;
            }
            // The same command again, approvals or not: answered as before (I6) and nothing changes, so that a
            // client who lost the answer (GUARD_FAILED) can always learn it.
            return originalDecision(command, txIds.get(txOffset, TX_OUTCOME), decision);
        }
        // Before anything is recorded: an unauthorised command changes nothing, not even the record of its txId.
        if (!authorized(command, decision))
        {
            return Reason.UNAUTHORIZED;
        }

        if (command.type == CommandType.BATCH)
        {
            return applyBatch(command, fingerprint, decision);
        }

        if (txIds.isFull())
        {
            decision.exhaustedTable = TableKind.TX_IDS;
            return Reason.CAPACITY_EXHAUSTED;
        }
        final Reason reason = applyOne(command, decision);
        removeEmptiedHolds();
        record(txId, fingerprint, reason, -1, decision.exhaustedTable);
        return reason;
    }

    private Reason applyBatch(final Command batch, final long fingerprint, final Decision decision)
    {
        final int count = batch.batchCount;
        if (!txIds.hasRoomFor(count + 1L))
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

        Reason reason = Reason.OK;
        int failedIndex = -1;
        if (count == 0)
        {
            reason = Reason.BATCH_MUST_NOT_BE_EMPTY;
        }
        else
        {
            for (int i = 0; i < count && reason == Reason.OK; i++)
            {
                reason = checkLinkedId(batch, i);
                failedIndex = i;
            }
            if (reason == Reason.OK)
            {
                failedIndex = -1;
                undo.begin();
                final int alertsBefore = decision.alertCount;
                int failedAlertsFrom = alertsBefore;
                for (int i = 0; i < count; i++)
                {
                    final int innerAlertsFrom = decision.alertCount;
                    reason = applyOne(batch.inner(i), decision);
                    if (reason != Reason.OK)
                    {
                        failedIndex = i;
                        failedAlertsFrom = innerAlertsFrom;
                        break;
                    }
                }
                if (reason == Reason.OK)
                {
                    undo.commit();
                    removeEmptiedHolds();
                }
                else
                {
                    undo.rollback();
                    holdsToRemoveCount = 0;
                    // What the inner commands before the failing one raised was undone with them; what explains the
                    // failure stays.
                    decision.removeAlerts(alertsBefore, failedAlertsFrom);
                }
            }
        }

        if (reason == Reason.OK)
        {
            for (int i = 0; i < count; i++)
            {
                final Command inner = batch.inner(i);
                record(inner.txId, inner.fingerprint(), Reason.OK, -1, null);
                decision.linkedReasons[i] = Reason.OK;
            }
        }
        else if (failedIndex >= 0)
        {
            decision.linkedReasons[failedIndex] = reason;
        }
        record(batch.txId, fingerprint, reason, failedIndex, decision.exhaustedTable);
        return reason;
    }

    /**
     * SPEC §6. The verifier counted the valid signatures before sequencing; here the count meets the requirement of
     * the command's class, and the expiry meets the sequenced time. Raises {@link AlertType#UNAUTHORIZED} on failure.
     */
    private boolean authorized(final Command command, final Decision decision)
    {
        if (command.type == CommandType.BATCH)
        {
            for (int i = 0, n = command.batchCount; i < n; i++)
            {
                final Command inner = command.inner(i);
                final ApprovalClass innerClass = ApprovalClass.of(inner.type);
                if (innerClass != null && approvalsRequired[innerClass.ordinal()] > 0)
                {
                    decision.linkedCount = n;
                    for (int j = 0; j < n; j++)
                    {
                        decision.linkedTxIds[j] = command.inner(j).txId;
                        decision.linkedReasons[j] = j == i ? Reason.UNAUTHORIZED : Reason.LINKED_COMMAND_FAILED;
                    }
                    raiseUnauthorized(inner, ApprovalFault.PRIVILEGED_IN_BATCH, approvalsRequired[innerClass.ordinal()]);
                    return false;
                }
            }
            return true;
        }
        final ApprovalClass approvalClass = ApprovalClass.of(command.type);
        final int required = approvalClass == null ? 0 : approvalsRequired[approvalClass.ordinal()];
        if (required == 0)
        {
            return true;
        }
        final ApprovalFault fault;
        final long expiresAtMs = command.expiresAtMs;
        if (expiresAtMs == 0)
        {
            fault = ApprovalFault.EXPIRY_MISSING;
        }
        else if (nowMs > expiresAtMs)
        {
            fault = ApprovalFault.EXPIRED;
        }
        else if (expiresAtMs - nowMs > approvalValidityMsMax)
        {
            fault = ApprovalFault.EXPIRY_TOO_FAR;
        }
        else if (command.approvalsVerified >= required)
        {
            return true;
        }
        else if (command.approvalFault != 0 && ApprovalFault.fromCode(command.approvalFault) != null)
        {
            fault = ApprovalFault.fromCode(command.approvalFault);
        }
        else
        {
            fault = command.approvalCount == 0 ? ApprovalFault.MISSING : ApprovalFault.TOO_FEW;
        }
        raiseUnauthorized(command, fault, required);
        return false;
    }

    private void raiseUnauthorized(final Command command, final ApprovalFault fault, final int required)
    {
        final AlertScope scope;
        if (command.accountId != 0)
        {
            scope = AlertScope.ACCOUNT;
        }
        else if (command.walletId != 0)
        {
            scope = AlertScope.WALLET;
        }
        else if (command.assetId != 0)
        {
            scope = AlertScope.ASSET;
        }
        else
        {
            scope = AlertScope.ALL;
        }
        final Alert alert = raise(AlertType.UNAUTHORIZED, scope, assetIndex(command.assetId), command.walletId,
            command.accountId);
        if (alert != null)
        {
            alert.figure(0, fault.code());
            alert.figure(1, required);
            alert.figure(2, command.approvalsVerified);
            alert.figure(3, command.expiresAtMs);
        }
    }

    private Reason checkLinkedId(final Command batch, final int index)
    {
        final Command inner = batch.inner(index);
        if (inner.type == null)
        {
            return Reason.MALFORMED_COMMAND;
        }
        if (inner.type == CommandType.BATCH)
        {
            return Reason.BATCH_MUST_NOT_BE_NESTED;
        }
        final long id = inner.txId;
        if (id <= 0)
        {
            return Reason.TX_ID_MUST_BE_POSITIVE;
        }
        if (id == batch.txId || txIds.find(id, 0) >= 0)
        {
            return Reason.TX_ID_REUSED;
        }
        for (int j = 0; j < index; j++)
        {
            if (batch.inner(j).txId == id)
            {
                return Reason.TX_ID_REUSED;
            }
        }
        return Reason.OK;
    }

    private Reason originalDecision(final Command command, final long outcome, final Decision decision)
    {
        final Reason reason = Reason.fromCode((int)(outcome & 0xFFFF));
        assert reason != null : "bad outcome word: " + outcome;
        final int failedIndex = (int)((outcome >>> 16) & 0xFFFF) - 1;
        final int table = (int)((outcome >>> 32) & 0xFF) - 1;
        decision.duplicate = true;
        decision.exhaustedTable = table >= 0 ? TABLES[table] : null;
        if (command.type == CommandType.BATCH)
        {
            final int count = command.batchCount;
            decision.linkedCount = count;
            for (int i = 0; i < count; i++)
            {
                decision.linkedTxIds[i] = command.inner(i).txId;
                decision.linkedReasons[i] = reason == Reason.OK ? Reason.OK :
                    (i == failedIndex ? reason : Reason.LINKED_COMMAND_FAILED);
            }
        }
        return reason;
    }

    private void record(
        final long txId, final long fingerprint, final Reason reason, final int failedIndex, final TableKind table)
    {
        final long outcome = reason.code() |
            ((long)(failedIndex + 1) << 16) |
            ((long)(table == null ? 0 : table.ordinal() + 1) << 32);
        final int offset = txIds.insert(txId, 0);
        txIds.put(offset, TX_FINGERPRINT, fingerprint);
        txIds.put(offset, TX_OUTCOME, outcome);
    }

    private Reason applyOne(final Command command, final Decision decision)
    {
        switch (command.type)
        {
            case OPEN_ACCOUNT: return openAccount(command, decision);
            case INFLOW: return inflow(command, decision);
            case SWEEP: return sweep(command, decision);
            case DEPOSIT: return deposit(command, decision);
            case TRANSFER: return transfer(command, decision);
            case HOLD: return hold(command, decision);
            case RELEASE: return release(command);
            case WITHDRAW: return withdraw(command, decision);
            case WITHDRAW_SETTLE: return withdrawSettle(command);
            case WITHDRAW_CANCEL: return withdrawCancel(command);
            case ADJUST: return adjust(command, decision);
            case ATTEST: return attest(command);
            case FREEZE: return setAccountStatus(command, AccountStatus.FROZEN);
            case UNFREEZE: return setAccountStatus(command, AccountStatus.ACTIVE);
            case HALT: return setHalted(command, true);
            case RESUME: return setHalted(command, false);
            case REVERSE: return reverse(command);
            case BATCH: return Reason.BATCH_MUST_NOT_BE_NESTED;
            default: throw new IllegalStateException("unhandled command type: " + command.type);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Commands. Each validates fully, in the order documented in docs/reject-reasons.md, before its first write.
    // ---------------------------------------------------------------------------------------------------------------

    private Reason openAccount(final Command command, final Decision decision)
    {
        final long accountId = command.accountId;
        if (accountId == 0)
        {
            return Reason.ACCOUNT_ID_MUST_NOT_BE_ZERO;
        }
        if (command.accountKind == null)
        {
            return Reason.ACCOUNT_KIND_MUST_BE_SET;
        }
        final int limitCount = command.creditLimitCount;
        if (limitCount > 0 && command.accountKind != AccountKind.CREDIT_LINE)
        {
            return Reason.CREDIT_LIMIT_ONLY_FOR_CREDIT_LINE;
        }
        for (int i = 0; i < limitCount; i++)
        {
            if (command.creditLimits[i] < 0)
            {
                return Reason.CREDIT_LIMIT_MUST_NOT_BE_NEGATIVE;
            }
        }
        for (int i = 0; i < limitCount; i++)
        {
            if (assetIndex(command.creditLimitAssetIds[i]) < 0)
            {
                return Reason.ASSET_NOT_FOUND;
            }
            for (int j = 0; j < i; j++)
            {
                if (command.creditLimitAssetIds[j] == command.creditLimitAssetIds[i])
                {
                    return Reason.MALFORMED_COMMAND;
                }
            }
        }
        if (accounts.find(accountId, 0) >= 0)
        {
            return Reason.ACCOUNT_ALREADY_EXISTS;
        }
        if (accounts.isFull())
        {
            return exhausted(decision, TableKind.ACCOUNTS);
        }
        if (!positions.hasRoomFor(limitCount))
        {
            return exhausted(decision, TableKind.POSITIONS);
        }

        final int offset = accounts.insert(accountId, 0);
        accounts.put(offset, ACCOUNT_KIND_STATUS, kindStatus(command.accountKind, AccountStatus.ACTIVE));
        for (int i = 0; i < limitCount; i++)
        {
            final int position = positions.insert(accountId, assetIndex(command.creditLimitAssetIds[i]));
            positions.put(position, POSITION_CREDIT_LIMIT, command.creditLimits[i]);
        }
        return Reason.OK;
    }

    private Reason inflow(final Command command, final Decision decision)
    {
        final long amount = command.amount;
        if (amount <= 0)
        {
            return Reason.AMOUNT_MUST_BE_POSITIVE;
        }
        final Reason chainRefShape = checkChainRef(command);
        if (chainRefShape != Reason.OK)
        {
            return chainRefShape;
        }
        final int asset = assetIndex(command.assetId);
        if (asset < 0)
        {
            return Reason.ASSET_NOT_FOUND;
        }
        final int wallet = walletIndex(command.walletId);
        if (wallet < 0)
        {
            return Reason.WALLET_NOT_FOUND;
        }
        if (walletAssetIndex[wallet] != asset)
        {
            return Reason.WALLET_ASSET_MISMATCH;
        }
        final long hash = InflowTable.hash(command.chainRef, command.chainRefLength);
        if (inflows.find(hash, command.chainRef, command.chainRefLength) >= 0)
        {
            return Reason.INFLOW_ALREADY_RECORDED;
        }
        final long inflowsSince = walletGet(wallet, WALLET_INFLOWS_SINCE);
        final long expected = walletGet(wallet, WALLET_EXPECTED);
        final long holdings = assetGet(asset, ASSET_HOLDINGS);
        if (overflows(inflowsSince, amount) || overflows(expected, amount) || overflows(holdings, amount))
        {
            return Reason.AMOUNT_OVERFLOW;
        }
        if (inflows.isFull())
        {
            return exhausted(decision, TableKind.INFLOWS);
        }

        inflows.insert(hash, command.chainRef, command.chainRefLength, wallet, asset, amount);
        walletPut(wallet, WALLET_INFLOWS_SINCE, inflowsSince + amount);
        walletPut(wallet, WALLET_EXPECTED, expected + amount);
        assetPut(asset, ASSET_HOLDINGS, holdings + amount);
        checkColdRatio(asset);
        return Reason.OK;
    }

    /**
     * A custody-internal movement, reported once confirmed: what left one wallet arrived in another of the same asset,
     * so holdings do not change and nothing is owed to anyone. Like {@code INFLOW} it is a fact and is taken whatever
     * the asset's or wallets' status. The chain reference is recorded as an inflow already credited in full, so that
     * no {@code DEPOSIT} can claim the sweep's transaction.
     */
    private Reason sweep(final Command command, final Decision decision)
    {
        final long amount = command.amount;
        if (amount <= 0)
        {
            return Reason.AMOUNT_MUST_BE_POSITIVE;
        }
        final Reason chainRefShape = checkChainRef(command);
        if (chainRefShape != Reason.OK)
        {
            return chainRefShape;
        }
        if (command.walletId == command.toWalletId)
        {
            return Reason.WALLETS_MUST_BE_DIFFERENT;
        }
        final int asset = assetIndex(command.assetId);
        if (asset < 0)
        {
            return Reason.ASSET_NOT_FOUND;
        }
        final int from = walletIndex(command.walletId);
        final int to = walletIndex(command.toWalletId);
        if (from < 0 || to < 0)
        {
            return Reason.WALLET_NOT_FOUND;
        }
        if (walletAssetIndex[from] != asset || walletAssetIndex[to] != asset)
        {
            return Reason.WALLET_ASSET_MISMATCH;
        }
        final long hash = InflowTable.hash(command.chainRef, command.chainRefLength);
        if (inflows.find(hash, command.chainRef, command.chainRefLength) >= 0)
        {
            return Reason.INFLOW_ALREADY_RECORDED;
        }
        final long fromExpected = walletGet(from, WALLET_EXPECTED);
        // What is reserved for withdrawals from the source stays there to pay them.
        if (fromExpected - walletGet(from, WALLET_PENDING) < amount)
        {
            return Reason.WALLET_FUNDS_INSUFFICIENT;
        }
        final long fromOutflows = walletGet(from, WALLET_OUTFLOWS_SINCE);
        final long toInflows = walletGet(to, WALLET_INFLOWS_SINCE);
        final long toExpected = walletGet(to, WALLET_EXPECTED);
        if (overflows(fromOutflows, amount) || overflows(toInflows, amount) || overflows(toExpected, amount))
        {
            return Reason.AMOUNT_OVERFLOW;
        }
        if (inflows.isFull())
        {
            return exhausted(decision, TableKind.INFLOWS);
        }

        final int inflow = inflows.insert(hash, command.chainRef, command.chainRefLength, to, asset, amount);
        inflows.credited(inflow, amount);
        walletPut(from, WALLET_OUTFLOWS_SINCE, fromOutflows + amount);
        walletPut(from, WALLET_EXPECTED, fromExpected - amount);
        walletPut(to, WALLET_INFLOWS_SINCE, toInflows + amount);
        walletPut(to, WALLET_EXPECTED, toExpected + amount);
        checkColdRatio(asset);
        return Reason.OK;
    }

    private Reason deposit(final Command command, final Decision decision)
    {
        final long amount = command.amount;
        if (amount <= 0)
        {
            return Reason.AMOUNT_MUST_BE_POSITIVE;
        }
        if (command.accountId == 0)
        {
            return Reason.ACCOUNT_ID_MUST_NOT_BE_ZERO;
        }
        final Reason chainRefShape = checkChainRef(command);
        if (chainRefShape != Reason.OK)
        {
            return chainRefShape;
        }
        final int asset = assetIndex(command.assetId);
        if (asset < 0)
        {
            return Reason.ASSET_NOT_FOUND;
        }
        final int account = accounts.find(command.accountId, 0);
        if (account < 0)
        {
            return Reason.ACCOUNT_NOT_FOUND;
        }
        final int inflow = inflows.find(
            InflowTable.hash(command.chainRef, command.chainRefLength), command.chainRef, command.chainRefLength);
        if (inflow < 0)
        {
            return Reason.INFLOW_NOT_FOUND;
        }
        if (inflows.assetIndex(inflow) != asset)
        {
            return Reason.INFLOW_ASSET_MISMATCH;
        }
        if (isHalted(asset))
        {
            return Reason.ASSET_HALTED;
        }
        if (isRestricted(asset))
        {
            return Reason.ASSET_RESTRICTED;
        }
        if (accountStatus(account) == AccountStatus.CLOSED)
        {
            return Reason.ACCOUNT_CLOSED;
        }
        final long credited = inflows.credited(inflow);
        if (amount > inflows.amount(inflow) - credited)
        {
            return Reason.INFLOW_AMOUNT_EXCEEDED;
        }
        return credit(command.txId, command.accountId, asset, amount, decision, true, inflow, credited);
    }

    /**
     * The common tail of a deposit and a crediting adjustment: sanity cap, overflow, cover, capacity, then the write.
     */
    private Reason credit(
        final long creditTxId,
        final long accountId,
        final int asset,
        final long amount,
        final Decision decision,
        final boolean fromInflow,
        final int inflow,
        final long credited)
    {
        if (amount > creditCap[asset])
        {
            raiseSanityCap(asset, accountId, amount);
            return Reason.CREDIT_CAP_EXCEEDED;
        }
        final int position = positions.find(accountId, asset);
        final long available = position >= 0 ? positions.get(position, POSITION_AVAILABLE) : 0;
        final long held = position >= 0 ? positions.get(position, POSITION_HELD) : 0;
        final long balance = available + held;
        if (overflows(balance, amount))
        {
            return Reason.AMOUNT_OVERFLOW;
        }
        final long obligationsDelta = positivePart(balance + amount) - positivePart(balance);
        final Reason cover = checkCover(asset, obligationsDelta, amount);
        if (cover != Reason.OK)
        {
            return cover;
        }
        if (position < 0 && positions.isFull())
        {
            return exhausted(decision, TableKind.POSITIONS);
        }
        if (credits.isFull())
        {
            // Every credit stays reversible (SPEC §5.6): one that could not be is refused, not applied.
            return exhausted(decision, TableKind.CREDITS);
        }

        final int target = position >= 0 ? position : positions.insert(accountId, asset);
        positions.put(target, POSITION_AVAILABLE, available + amount);
        addObligations(asset, obligationsDelta);
        if (fromInflow)
        {
            inflows.credited(inflow, credited + amount);
        }
        final int record = credits.insert(creditTxId, 0);
        assert record >= 0 : "credit txId recorded twice: " + creditTxId;
        credits.put(record, CREDIT_ACCOUNT_ID, accountId);
        credits.put(record, CREDIT_ASSET_INDEX, asset);
        credits.put(record, CREDIT_AMOUNT, amount);
        credits.put(record, CREDIT_INFLOW, fromInflow ? inflow : -1);
        return Reason.OK;
    }

    private Reason transfer(final Command command, final Decision decision)
    {
        final long amount = command.amount;
        if (amount <= 0)
        {
            return Reason.AMOUNT_MUST_BE_POSITIVE;
        }
        final long debitId = command.debitAccountId;
        final long creditId = command.creditAccountId;
        if (debitId == 0 || creditId == 0)
        {
            return Reason.ACCOUNT_ID_MUST_NOT_BE_ZERO;
        }
        if (debitId == creditId)
        {
            return Reason.ACCOUNTS_MUST_BE_DIFFERENT;
        }
        final int asset = assetIndex(command.assetId);
        if (asset < 0)
        {
            return Reason.ASSET_NOT_FOUND;
        }
        final int debitAccount = accounts.find(debitId, 0);
        if (debitAccount < 0)
        {
            return Reason.ACCOUNT_NOT_FOUND;
        }
        final int creditAccount = accounts.find(creditId, 0);
        if (creditAccount < 0)
        {
            return Reason.ACCOUNT_NOT_FOUND;
        }
        final boolean fromHold = command.holdId != 0;
        final int hold = fromHold ? findHold(command.holdId) : -1;
        if (fromHold)
        {
            final Reason holdCheck = checkHold(hold, debitId, asset, HOLD_KIND_ORDER);
            if (holdCheck != Reason.OK)
            {
                return holdCheck;
            }
        }
        if (isHalted(asset))
        {
            return Reason.ASSET_HALTED;
        }
        final int debitPosition = fromHold ? (int)holds.get(hold, HOLD_POSITION_OFFSET) : positions.find(debitId, asset);
        final int creditPosition = positions.find(creditId, asset);
        final long debitAvailable = debitPosition >= 0 ? positions.get(debitPosition, POSITION_AVAILABLE) : 0;
        final long debitHeld = debitPosition >= 0 ? positions.get(debitPosition, POSITION_HELD) : 0;
        final long creditAvailable = creditPosition >= 0 ? positions.get(creditPosition, POSITION_AVAILABLE) : 0;
        final long creditHeld = creditPosition >= 0 ? positions.get(creditPosition, POSITION_HELD) : 0;
        final long debitBalance = debitAvailable + debitHeld;
        final long creditBalance = creditAvailable + creditHeld;
        // Computed before the overflow check only when it cannot overflow; see below.
        final boolean creditOverflows = overflows(creditBalance, amount);
        final long obligationsDelta = creditOverflows ? 0 :
            positivePart(creditBalance + amount) - positivePart(creditBalance) +
            positivePart(debitBalance - amount) - positivePart(debitBalance);
        if (obligationsDelta > 0 && isRestricted(asset))
        {
            return Reason.ASSET_RESTRICTED;
        }
        final AccountStatus debitStatus = accountStatus(debitAccount);
        if (debitStatus == AccountStatus.FROZEN)
        {
            return Reason.ACCOUNT_FROZEN;
        }
        if (debitStatus == AccountStatus.CLOSED || accountStatus(creditAccount) == AccountStatus.CLOSED)
        {
            return Reason.ACCOUNT_CLOSED;
        }
        if (fromHold)
        {
            if (amount > holds.get(hold, HOLD_REMAINING))
            {
                return Reason.HOLD_AMOUNT_EXCEEDED;
            }
        }
        else if (debitPosition < 0 || amount > spendable(debitPosition))
        {
            return Reason.INSUFFICIENT_AVAILABLE;
        }
        if (debitPosition >= 0 && !keepsWithdrawalsBacked(debitPosition, debitBalance, amount))
        {
            return Reason.INSUFFICIENT_AVAILABLE;
        }
        if (accountKind(debitAccount) == AccountKind.OPERATOR && amount > creditCap[asset])
        {
            raiseSanityCap(asset, debitId, amount);
            return Reason.CREDIT_CAP_EXCEEDED;
        }
        if (creditOverflows)
        {
            return Reason.AMOUNT_OVERFLOW;
        }
        final Reason cover = checkCover(asset, obligationsDelta, amount);
        if (cover != Reason.OK)
        {
            return cover;
        }
        if (creditPosition < 0 && positions.isFull())
        {
            return exhausted(decision, TableKind.POSITIONS);
        }

        if (fromHold)
        {
            final long remaining = holds.get(hold, HOLD_REMAINING) - amount;
            holds.put(hold, HOLD_REMAINING, remaining);
            positions.put(debitPosition, POSITION_HELD, debitHeld - amount);
            assetPut(asset, ASSET_HELD, assetGet(asset, ASSET_HELD) - amount);
            if (remaining == 0)
            {
                removeHoldLater(command.holdId);
            }
        }
        else
        {
            positions.put(debitPosition, POSITION_AVAILABLE, debitAvailable - amount);
        }
        final int target = creditPosition >= 0 ? creditPosition : positions.insert(creditId, asset);
        positions.put(target, POSITION_AVAILABLE, creditAvailable + amount);
        addObligations(asset, obligationsDelta);
        addTradedVolume(asset, amount);
        return Reason.OK;
    }

    private Reason hold(final Command command, final Decision decision)
    {
        final long amount = command.amount;
        if (amount <= 0)
        {
            return Reason.AMOUNT_MUST_BE_POSITIVE;
        }
        if (command.holdId == 0)
        {
            return Reason.HOLD_ID_MUST_NOT_BE_ZERO;
        }
        if (command.accountId == 0)
        {
            return Reason.ACCOUNT_ID_MUST_NOT_BE_ZERO;
        }
        final int asset = assetIndex(command.assetId);
        if (asset < 0)
        {
            return Reason.ASSET_NOT_FOUND;
        }
        final int account = accounts.find(command.accountId, 0);
        if (account < 0)
        {
            return Reason.ACCOUNT_NOT_FOUND;
        }
        if (holds.find(command.holdId, 0) >= 0)
        {
            return Reason.HOLD_ALREADY_EXISTS;
        }
        if (isHalted(asset))
        {
            return Reason.ASSET_HALTED;
        }
        final Reason status = checkDebitable(account);
        if (status != Reason.OK)
        {
            return status;
        }
        final int position = positions.find(command.accountId, asset);
        if (position < 0 || amount > spendable(position))
        {
            return Reason.INSUFFICIENT_AVAILABLE;
        }
        return reserve(command, decision, asset, position, HOLD_KIND_ORDER, -1);
    }

    /**
     * The common tail of an order hold and a withdrawal: overflow, capacity, then move available to held.
     */
    private Reason reserve(
        final Command command, final Decision decision, final int asset, final int position, final int kind,
        final int wallet)
    {
        final long amount = command.amount;
        final long held = positions.get(position, POSITION_HELD);
        final long assetHeld = assetGet(asset, ASSET_HELD);
        if (overflows(held, amount) || overflows(assetHeld, amount))
        {
            return Reason.AMOUNT_OVERFLOW;
        }
        long pending = 0;
        if (wallet >= 0)
        {
            pending = walletGet(wallet, WALLET_PENDING);
            if (overflows(pending, amount))
            {
                return Reason.AMOUNT_OVERFLOW;
            }
        }
        if (holds.isFull())
        {
            return exhausted(decision, TableKind.HOLDS);
        }

        final int hold = holds.insert(command.holdId, 0);
        holds.put(hold, HOLD_ACCOUNT_ID, command.accountId);
        holds.put(hold, HOLD_ASSET_KIND, ((long)kind << 32) | asset);
        holds.put(hold, HOLD_REMAINING, amount);
        holds.put(hold, HOLD_WALLET_INDEX, wallet);
        holds.put(hold, HOLD_POSITION_OFFSET, position);
        positions.put(position, POSITION_AVAILABLE, positions.get(position, POSITION_AVAILABLE) - amount);
        positions.put(position, POSITION_HELD, held + amount);
        assetPut(asset, ASSET_HELD, assetHeld + amount);
        if (wallet >= 0)
        {
            walletPut(wallet, WALLET_PENDING, pending + amount);
            positions.put(position, POSITION_WITHDRAWAL_HELD,
                positions.get(position, POSITION_WITHDRAWAL_HELD) + amount);
        }
        return Reason.OK;
    }

    private Reason release(final Command command)
    {
        if (command.holdId == 0)
        {
            return Reason.HOLD_ID_MUST_NOT_BE_ZERO;
        }
        final long amount = command.amount;
        if (amount <= 0)
        {
            return Reason.AMOUNT_MUST_BE_POSITIVE;
        }
        final int hold = findHold(command.holdId);
        if (hold < 0)
        {
            return Reason.HOLD_NOT_FOUND;
        }
        if (holdKind(hold) != HOLD_KIND_ORDER)
        {
            return Reason.HOLD_IS_WITHDRAWAL;
        }
        if (amount > holds.get(hold, HOLD_REMAINING))
        {
            return Reason.HOLD_AMOUNT_EXCEEDED;
        }
        unreserve(command.holdId, hold, amount);
        return Reason.OK;
    }

    private Reason withdraw(final Command command, final Decision decision)
    {
        final long amount = command.amount;
        if (amount <= 0)
        {
            return Reason.AMOUNT_MUST_BE_POSITIVE;
        }
        if (command.holdId == 0)
        {
            return Reason.HOLD_ID_MUST_NOT_BE_ZERO;
        }
        if (command.accountId == 0)
        {
            return Reason.ACCOUNT_ID_MUST_NOT_BE_ZERO;
        }
        final int asset = assetIndex(command.assetId);
        if (asset < 0)
        {
            return Reason.ASSET_NOT_FOUND;
        }
        final int wallet = walletIndex(command.walletId);
        if (wallet < 0)
        {
            return Reason.WALLET_NOT_FOUND;
        }
        if (walletAssetIndex[wallet] != asset)
        {
            return Reason.WALLET_ASSET_MISMATCH;
        }
        final int account = accounts.find(command.accountId, 0);
        if (account < 0)
        {
            return Reason.ACCOUNT_NOT_FOUND;
        }
        if (holds.find(command.holdId, 0) >= 0)
        {
            return Reason.HOLD_ALREADY_EXISTS;
        }
        if (isHalted(asset) || (assetGet(asset, ASSET_FLAGS) & ASSET_FLAG_OUTFLOWS_HALTED) != 0)
        {
            return Reason.ASSET_HALTED;
        }
        if (isRestricted(asset))
        {
            return Reason.ASSET_RESTRICTED;
        }
        if ((walletGet(wallet, WALLET_FLAGS) & WALLET_FLAG_HALTED) != 0)
        {
            return Reason.WALLET_HALTED;
        }
        final Reason status = checkDebitable(account);
        if (status != Reason.OK)
        {
            return status;
        }
        // A withdrawal must be funded: credit lines cannot take borrowed units out of custody.
        final int position = positions.find(command.accountId, asset);
        if (position < 0 || amount > positions.get(position, POSITION_AVAILABLE))
        {
            return Reason.INSUFFICIENT_AVAILABLE;
        }
        final long free = walletGet(wallet, WALLET_EXPECTED) - walletGet(wallet, WALLET_PENDING);
        if (amount > free)
        {
            return Reason.WALLET_FUNDS_INSUFFICIENT;
        }
        final Reason velocity = checkOutflowVelocity(asset, wallet, amount);
        if (velocity != Reason.OK)
        {
            return velocity;
        }
        final Reason reserved = reserve(command, decision, asset, position, HOLD_KIND_WITHDRAWAL, wallet);
        if (reserved == Reason.OK)
        {
            windowAdd(outflowWindow(asset), outflowBucketMs[asset], amount);
            windowAdd(walletWindow(wallet), outflowBucketMs[asset], amount);
        }
        return reserved;
    }

    private Reason withdrawSettle(final Command command)
    {
        final int hold = findWithdrawal(command);
        if (hold < 0)
        {
            return Reason.fromCode(-hold);
        }
        final long amount = holds.get(hold, HOLD_REMAINING);
        final int asset = holdAsset(hold);
        final int wallet = (int)holds.get(hold, HOLD_WALLET_INDEX);
        final int position = (int)holds.get(hold, HOLD_POSITION_OFFSET);
        final long available = positions.get(position, POSITION_AVAILABLE);
        final long held = positions.get(position, POSITION_HELD);
        final long balance = available + held;
        final long obligationsDelta = positivePart(balance - amount) - positivePart(balance);
        // Every debit keeps a position's balance at or above its pending withdrawals, so what leaves custody leaves
        // the obligations too: cover is unchanged by a settlement.
        assert balance - amount >= 0 : "settlement below zero: balance=" + balance + ", amount=" + amount;
        assert obligationsDelta == -amount : "settlement not backed: obligationsDelta=" + obligationsDelta;
        final long outflowsSince = walletGet(wallet, WALLET_OUTFLOWS_SINCE);
        if (overflows(outflowsSince, amount))
        {
            return Reason.AMOUNT_OVERFLOW;
        }

        positions.put(position, POSITION_HELD, held - amount);
        positions.put(position, POSITION_WITHDRAWAL_HELD, positions.get(position, POSITION_WITHDRAWAL_HELD) - amount);
        assetPut(asset, ASSET_HELD, assetGet(asset, ASSET_HELD) - amount);
        addObligations(asset, obligationsDelta);
        walletPut(wallet, WALLET_PENDING, walletGet(wallet, WALLET_PENDING) - amount);
        walletPut(wallet, WALLET_OUTFLOWS_SINCE, outflowsSince + amount);
        walletPut(wallet, WALLET_EXPECTED, walletGet(wallet, WALLET_EXPECTED) - amount);
        assetPut(asset, ASSET_HOLDINGS, assetGet(asset, ASSET_HOLDINGS) - amount);
        holds.put(hold, HOLD_REMAINING, 0);
        removeHoldLater(command.holdId);
        checkColdRatio(asset);
        return Reason.OK;
    }

    private Reason withdrawCancel(final Command command)
    {
        final int hold = findWithdrawal(command);
        if (hold < 0)
        {
            return Reason.fromCode(-hold);
        }
        final long amount = holds.get(hold, HOLD_REMAINING);
        final int wallet = (int)holds.get(hold, HOLD_WALLET_INDEX);
        final int position = (int)holds.get(hold, HOLD_POSITION_OFFSET);
        walletPut(wallet, WALLET_PENDING, walletGet(wallet, WALLET_PENDING) - amount);
        positions.put(position, POSITION_WITHDRAWAL_HELD, positions.get(position, POSITION_WITHDRAWAL_HELD) - amount);
        unreserve(command.holdId, hold, amount);
        return Reason.OK;
    }

    /**
     * @return the hold's offset, or minus the code of the reason it cannot be used.
     */
    private int findWithdrawal(final Command command)
    {
        if (command.holdId == 0)
        {
            return -Reason.HOLD_ID_MUST_NOT_BE_ZERO.code();
        }
        final int hold = findHold(command.holdId);
        if (hold < 0)
        {
            return -Reason.HOLD_NOT_FOUND.code();
        }
        if (holdKind(hold) != HOLD_KIND_WITHDRAWAL)
        {
            return -Reason.HOLD_NOT_WITHDRAWAL.code();
        }
        return hold;
    }

    private void unreserve(final long holdId, final int hold, final long amount)
    {
        final int asset = holdAsset(hold);
        final int position = (int)holds.get(hold, HOLD_POSITION_OFFSET);
        positions.put(position, POSITION_HELD, positions.get(position, POSITION_HELD) - amount);
        positions.put(position, POSITION_AVAILABLE, positions.get(position, POSITION_AVAILABLE) + amount);
        assetPut(asset, ASSET_HELD, assetGet(asset, ASSET_HELD) - amount);
        final long remaining = holds.get(hold, HOLD_REMAINING) - amount;
        holds.put(hold, HOLD_REMAINING, remaining);
        if (remaining == 0)
        {
            removeHoldLater(holdId);
        }
    }

    private Reason adjust(final Command command, final Decision decision)
    {
        final long amount = command.amount;
        if (amount == 0)
        {
            return Reason.AMOUNT_MUST_NOT_BE_ZERO;
        }
        if (command.accountId == 0)
        {
            return Reason.ACCOUNT_ID_MUST_NOT_BE_ZERO;
        }
        if (command.memoLength > Command.MEMO_LENGTH_MAX)
        {
            return Reason.MEMO_TOO_LONG;
        }
        final int asset = assetIndex(command.assetId);
        if (asset < 0)
        {
            return Reason.ASSET_NOT_FOUND;
        }
        final int account = accounts.find(command.accountId, 0);
        if (account < 0)
        {
            return Reason.ACCOUNT_NOT_FOUND;
        }
        if (isHalted(asset))
        {
            return Reason.ASSET_HALTED;
        }
        if (amount > 0)
        {
            if (isRestricted(asset))
            {
                return Reason.ASSET_RESTRICTED;
            }
            if (accountStatus(account) == AccountStatus.CLOSED)
            {
                return Reason.ACCOUNT_CLOSED;
            }
            return credit(command.txId, command.accountId, asset, amount, decision, false, -1, 0);
        }

        final Reason status = checkDebitable(account);
        if (status != Reason.OK)
        {
            return status;
        }
        final int position = positions.find(command.accountId, asset);
        // amount < 0 here; compare as -amount <= spendable without negating Long.MIN_VALUE.
        if (position < 0 || amount < -spendable(position))
        {
            return Reason.INSUFFICIENT_AVAILABLE;
        }
        final long available = positions.get(position, POSITION_AVAILABLE);
        final long balance = available + positions.get(position, POSITION_HELD);
        // amount < 0: the debit is -amount, and -amount > spendable was refused above, so it does not overflow.
        if (!keepsWithdrawalsBacked(position, balance, -amount))
        {
            return Reason.INSUFFICIENT_AVAILABLE;
        }
        final long obligationsDelta = positivePart(balance + amount) - positivePart(balance);
        positions.put(position, POSITION_AVAILABLE, available + amount);
        addObligations(asset, obligationsDelta);
        return Reason.OK;
    }

    private Reason attest(final Command command)
    {
        final long balance = command.amount;
        if (balance < 0)
        {
            return Reason.BALANCE_MUST_NOT_BE_NEGATIVE;
        }
        final int asset = assetIndex(command.assetId);
        if (asset < 0)
        {
            return Reason.ASSET_NOT_FOUND;
        }
        final int wallet = walletIndex(command.walletId);
        if (wallet < 0)
        {
            return Reason.WALLET_NOT_FOUND;
        }
        if (walletAssetIndex[wallet] != asset)
        {
            return Reason.WALLET_ASSET_MISMATCH;
        }
        final long expected = walletGet(wallet, WALLET_EXPECTED);
        final long holdings = assetGet(asset, ASSET_HOLDINGS);
        final long withoutWallet = holdings - expected;
        if (((holdings ^ expected) & (holdings ^ withoutWallet)) < 0 || overflows(withoutWallet, balance))
        {
            return Reason.AMOUNT_OVERFLOW;
        }

        // I4 custody drift against expected holdings: the last attestation (none: 0) plus inflows since, less settled
        // withdrawals since. A wallet's first attestation sets its baseline, so only a decrease (inflows recorded
        // before it that it does not show) counts there. Expected can be negative (a wallet attested below its pending
        // withdrawals, which then settled): a difference that overflows is an increase beyond any tolerance.
        final boolean first = walletGet(wallet, WALLET_ATTESTED_AT_MS) == NEVER;
        final long drift = balance - expected;
        final boolean driftOverflows = ((balance ^ expected) & (balance ^ drift)) < 0;
        final long tolerance = walletDriftTolerance[wallet];
        final boolean decrease = !driftOverflows && drift < -tolerance;
        final boolean increase = !first && (driftOverflows || drift > tolerance);
        if (decrease || increase)
        {
            final Alert alert = raise(AlertType.CUSTODY_DRIFT, AlertScope.WALLET, asset, command.walletId, 0);
            if (alert != null)
            {
                alert.figure(0, balance);
                alert.figure(1, expected);
                alert.figure(2, tolerance);
            }
            if (decrease && (assetGet(asset, ASSET_FLAGS) & ASSET_FLAG_OUTFLOWS_HALTED) == 0)
            {
                // An unexplained decrease is the signature of a drained hot wallet: stop money leaving at once.
                engage(asset, ASSET_FLAG_OUTFLOWS_HALTED, KillSwitchCause.CUSTODY_DRIFT, tolerance);
            }
        }

        walletPut(wallet, WALLET_ATTESTED, balance);
        walletPut(wallet, WALLET_ATTESTED_AT_MS, nowMs);
        walletPut(wallet, WALLET_INFLOWS_SINCE, 0);
        walletPut(wallet, WALLET_OUTFLOWS_SINCE, 0);
        walletPut(wallet, WALLET_EXPECTED, balance);
        assetPut(asset, ASSET_HOLDINGS, withoutWallet + balance);
        long oldest = Long.MAX_VALUE;
        for (final int w : walletsOfAsset[asset])
        {
            oldest = Math.min(oldest, walletGet(w, WALLET_ATTESTED_AT_MS));
        }
        assetPut(asset, ASSET_ATTESTED_OLDEST_MS, oldest);
        if (assetGet(asset, ASSET_STALE) != 0 && !isStale(asset))
        {
            assetPut(asset, ASSET_STALE, 0);
            raiseFreshness(AlertType.ATTESTATION_FRESH, asset);
        }
        checkColdRatio(asset);
        reconcile(asset);
        return Reason.OK;
    }

    /**
     * SPEC §5.1: with the holdings an attestation just set, obligations beyond holdings and the breach tolerance
     * engage the asset's kill switch at once.
     */
    private void reconcile(final int asset)
    {
        if ((assetGet(asset, ASSET_FLAGS) & ASSET_FLAG_HALTED) != 0)
        {
            return;
        }
        final long obligations = assetGet(asset, ASSET_OBLIGATIONS);
        final long holdings = assetGet(asset, ASSET_HOLDINGS);
        // Obligations are never negative; holdings can be (see attest): an overflowing shortfall is beyond any
        // tolerance.
        final long shortfall = obligations - holdings;
        final boolean overflows = ((obligations ^ holdings) & (obligations ^ shortfall)) < 0;
        if (!overflows && shortfall <= breachTolerance[asset])
        {
            return;
        }
        final Alert alert = raise(AlertType.RESERVE_COVER_BREACH, AlertScope.ASSET, asset, 0, 0);
        if (alert != null)
        {
            alert.figure(0, holdings);
            alert.figure(1, obligations);
            alert.figure(2, 0);
            alert.figure(3, reserveBuffer[asset]);
        }
        engage(asset, ASSET_FLAG_HALTED, KillSwitchCause.COVER_BREACH, breachTolerance[asset]);
    }

    /**
     * Engage an asset's kill switch (or its outflow halt), recording when and why, and say so.
     */
    private void engage(final int asset, final long flag, final KillSwitchCause cause, final long tolerance)
    {
        assert (assetGet(asset, ASSET_FLAGS) & flag) == 0 : "already engaged: flag=" + flag;
        final boolean outflows = flag == ASSET_FLAG_OUTFLOWS_HALTED;
        assetPut(asset, ASSET_FLAGS, assetGet(asset, ASSET_FLAGS) | flag);
        assetPut(asset, outflows ? ASSET_OUTFLOWS_HALTED_AT_MS : ASSET_HALTED_AT_MS, nowMs);
        assetPut(asset, outflows ? ASSET_OUTFLOWS_HALT_CAUSE : ASSET_HALT_CAUSE, cause.code());
        final Alert alert = raise(AlertType.KILL_SWITCH_ENGAGED, AlertScope.ASSET, asset, 0, 0);
        if (alert != null)
        {
            alert.figure(0, cause.code());
            alert.figure(1, outflows ? 1 : 0);
            alert.figure(2, tolerance);
        }
        markDirty(asset);
    }

    /**
     * Lift one of an asset's switches, saying when and why it had engaged and how long it held.
     */
    private void release(final int asset, final long flag)
    {
        final boolean outflows = flag == ASSET_FLAG_OUTFLOWS_HALTED;
        final int sinceWord = outflows ? ASSET_OUTFLOWS_HALTED_AT_MS : ASSET_HALTED_AT_MS;
        final int causeWord = outflows ? ASSET_OUTFLOWS_HALT_CAUSE : ASSET_HALT_CAUSE;
        assetPut(asset, ASSET_FLAGS, assetGet(asset, ASSET_FLAGS) & ~flag);
        released(AlertScope.ASSET, asset, 0, assetGet(asset, sinceWord), assetGet(asset, causeWord), outflows);
        assetPut(asset, sinceWord, 0);
        assetPut(asset, causeWord, 0);
        markDirty(asset);
    }

    /**
     * SPEC §5.6: return an erroneous credit. What the recipient still has available is taken back; what they moved on
     * is followed no further: the account is frozen, the shortfall is recorded as a claim on it, and an alert says
     * so. A deposit's inflow gets back what was recovered, so that it can be credited to the right account.
     */
    private Reason reverse(final Command command)
    {
        final long reversedTxId = command.reversedTxId;
        if (reversedTxId <= 0)
        {
            return Reason.REVERSED_TX_ID_MUST_BE_POSITIVE;
        }
        final int record = credits.find(reversedTxId, 0);
        if (record < 0)
        {
            return Reason.CREDIT_NOT_FOUND;
        }
        if (credits.get(record, CREDIT_REVERSED_BY) != 0)
        {
            return Reason.CREDIT_ALREADY_REVERSED;
        }
        final long accountId = credits.get(record, CREDIT_ACCOUNT_ID);
        final int asset = (int)credits.get(record, CREDIT_ASSET_INDEX);
        final long amount = credits.get(record, CREDIT_AMOUNT);
        final int account = accounts.find(accountId, 0);
        final int position = positions.find(accountId, asset);
        assert account >= 0 && position >= 0 : "credited account or position gone: accountId=" + accountId;
        final long available = positions.get(position, POSITION_AVAILABLE);
        final long held = positions.get(position, POSITION_HELD);
        // What can be debited as any debit could: available (down to a credit line's limit, so a credit that paid off
        // a line's debt puts the debt back), never held funds, and never below the withdrawals under way.
        long recoverable = Math.max(0, spendable(position));
        final long withdrawalHeld = positions.get(position, POSITION_WITHDRAWAL_HELD);
        if (withdrawalHeld > 0)
        {
            recoverable = Math.min(recoverable, Math.max(0, available + held - withdrawalHeld));
        }
        final long recovered = Math.min(amount, recoverable);
        final long shortfall = amount - recovered;
        final long balance = available + held;
        final long obligationsDelta = positivePart(balance - recovered) - positivePart(balance);

        positions.put(position, POSITION_AVAILABLE, available - recovered);
        addObligations(asset, obligationsDelta);
        final long inflow = credits.get(record, CREDIT_INFLOW);
        if (inflow >= 0)
        {
            inflows.credited((int)inflow, inflows.credited((int)inflow) - recovered);
        }
        credits.put(record, CREDIT_REVERSED_BY, command.txId);
        credits.put(record, CREDIT_CLAIM, shortfall);
        if (shortfall > 0)
        {
            if (accountStatus(account) == AccountStatus.ACTIVE)
            {
                accounts.put(account, ACCOUNT_KIND_STATUS, kindStatus(accountKind(account), AccountStatus.FROZEN));
                countFrozen(1);
            }
            final Alert alert = raise(AlertType.REVERSAL_SHORTFALL, AlertScope.ACCOUNT, asset, 0, accountId);
            if (alert != null)
            {
                alert.figure(0, amount);
                alert.figure(1, recovered);
                alert.figure(2, shortfall);
            }
        }
        return Reason.OK;
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
        long total = 0;
        for (int i = 0, capacity = credits.capacity(); i < capacity; i++)
        {
            final int offset = credits.slotOffset(i);
            if (credits.isOccupied(offset) && credits.get(offset, CREDIT_ACCOUNT_ID) == accountId &&
                credits.get(offset, CREDIT_ASSET_INDEX) == assetIndex)
            {
                total += credits.get(offset, CREDIT_CLAIM);
            }
        }
        return total;
    }

    private Reason setAccountStatus(final Command command, final AccountStatus status)
    {
        if (command.accountId == 0)
        {
            return Reason.ACCOUNT_ID_MUST_NOT_BE_ZERO;
        }
        final int account = accounts.find(command.accountId, 0);
        if (account < 0)
        {
            return Reason.ACCOUNT_NOT_FOUND;
        }
        if (accountStatus(account) == AccountStatus.CLOSED)
        {
            return Reason.ACCOUNT_CLOSED;
        }
        final AccountStatus was = accountStatus(account);
        accounts.put(account, ACCOUNT_KIND_STATUS, kindStatus(accountKind(account), status));
        if (was != status)
        {
            countFrozen(status == AccountStatus.FROZEN ? 1 : was == AccountStatus.FROZEN ? -1 : 0);
        }
        return Reason.OK;
    }

    private long countFrozenAccounts()
    {
        long frozen = 0;
        for (int i = 0, capacity = accounts.capacity(); i < capacity; i++)
        {
            final int offset = accounts.slotOffset(i);
            if (accounts.isOccupied(offset) && accountStatus(offset) == AccountStatus.FROZEN)
            {
                frozen++;
            }
        }
        return frozen;
    }

    private void countFrozen(final int change)
    {
        undo.putLong(globals, GLOBAL_FROZEN_ACCOUNTS * 8, globals.getLong(GLOBAL_FROZEN_ACCOUNTS * 8) + change);
    }

    private Reason setHalted(final Command command, final boolean halted)
    {
        final boolean byAsset = command.assetId != 0;
        final boolean byWallet = command.walletId != 0;
        if (byAsset && byWallet)
        {
            return Reason.SCOPE_MUST_NAME_ONE_TARGET;
        }
        if (byAsset)
        {
            final int asset = assetIndex(command.assetId);
            if (asset < 0)
            {
                return Reason.ASSET_NOT_FOUND;
            }
            final long flags = assetGet(asset, ASSET_FLAGS);
            if (halted)
            {
                if ((flags & ASSET_FLAG_HALTED) == 0)
                {
                    engage(asset, ASSET_FLAG_HALTED, KillSwitchCause.OPERATOR, 0);
                }
            }
            else
            {
                // RESUME lifts the asset's kill switch and its outflow halt, each with its own record.
                if ((flags & ASSET_FLAG_HALTED) != 0)
                {
                    release(asset, ASSET_FLAG_HALTED);
                }
                if ((flags & ASSET_FLAG_OUTFLOWS_HALTED) != 0)
                {
                    release(asset, ASSET_FLAG_OUTFLOWS_HALTED);
                    // The rejections that made the burst are dealt with: the next burst counts from none.
                    windowReset(burstWindow(asset), outflowBucketMs[asset]);
                }
            }
        }
        else if (byWallet)
        {
            final int wallet = walletIndex(command.walletId);
            if (wallet < 0)
            {
                return Reason.WALLET_NOT_FOUND;
            }
            final long flags = walletGet(wallet, WALLET_FLAGS);
            if (halted != ((flags & WALLET_FLAG_HALTED) != 0))
            {
                walletPut(wallet, WALLET_FLAGS, halted ? flags | WALLET_FLAG_HALTED : flags & ~WALLET_FLAG_HALTED);
                final int asset = walletAssetIndex[wallet];
                if (halted)
                {
                    walletPut(wallet, WALLET_HALTED_AT_MS, nowMs);
                    final Alert alert = raise(AlertType.KILL_SWITCH_ENGAGED, AlertScope.WALLET, asset,
                        command.walletId, 0);
                    if (alert != null)
                    {
                        alert.figure(0, KillSwitchCause.OPERATOR.code());
                    }
                }
                else
                {
                    released(AlertScope.WALLET, asset, command.walletId, walletGet(wallet, WALLET_HALTED_AT_MS),
                        KillSwitchCause.OPERATOR.code(), false);
                    walletPut(wallet, WALLET_HALTED_AT_MS, 0);
                }
            }
        }
        else
        {
            final long flags = globals.getLong(GLOBAL_FLAGS * 8);
            if (halted != ((flags & GLOBAL_FLAG_HALTED) != 0))
            {
                if (halted)
                {
                    undo.putLong(globals, GLOBAL_HALTED_AT_MS * 8, nowMs);
                    final Alert alert = raise(AlertType.KILL_SWITCH_ENGAGED, AlertScope.ALL, -1, 0, 0);
                    if (alert != null)
                    {
                        alert.figure(0, KillSwitchCause.OPERATOR.code());
                    }
                }
                else
                {
                    released(AlertScope.ALL, -1, 0, globals.getLong(GLOBAL_HALTED_AT_MS * 8),
                        KillSwitchCause.OPERATOR.code(), false);
                    undo.putLong(globals, GLOBAL_HALTED_AT_MS * 8, 0);
                }
            }
            undo.putLong(globals, GLOBAL_FLAGS * 8, halted ? flags | GLOBAL_FLAG_HALTED : flags & ~GLOBAL_FLAG_HALTED);
            for (int i = 0; i < assetIds.length; i++)
            {
                markDirty(i);
            }
        }
        return Reason.OK;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Rules shared by several commands.
    // ---------------------------------------------------------------------------------------------------------------

    private Reason checkChainRef(final Command command)
    {
        if (command.chainRefLength <= 0)
        {
            return Reason.CHAIN_REF_MUST_NOT_BE_EMPTY;
        }
        if (command.chainRefLength > Command.CHAIN_REF_LENGTH_MAX)
        {
            return Reason.CHAIN_REF_TOO_LONG;
        }
        return Reason.OK;
    }

    private Reason checkHold(final int hold, final long accountId, final int asset, final int kind)
    {
        if (hold < 0)
        {
            return Reason.HOLD_NOT_FOUND;
        }
        if (holdKind(hold) != kind)
        {
            return Reason.HOLD_IS_WITHDRAWAL;
        }
        if (holds.get(hold, HOLD_ACCOUNT_ID) != accountId)
        {
            return Reason.HOLD_ACCOUNT_MISMATCH;
        }
        if (holdAsset(hold) != asset)
        {
            return Reason.HOLD_ASSET_MISMATCH;
        }
        return Reason.OK;
    }

    private Reason checkDebitable(final int account)
    {
        final AccountStatus status = accountStatus(account);
        if (status == AccountStatus.FROZEN)
        {
            return Reason.ACCOUNT_FROZEN;
        }
        if (status == AccountStatus.CLOSED)
        {
            return Reason.ACCOUNT_CLOSED;
        }
        return Reason.OK;
    }

    /**
     * Invariant I2: a command that raises obligations is accepted only if obligations stay within holdings less the
     * reserve buffer afterwards.
     */
    private Reason checkCover(final int asset, final long obligationsDelta, final long amount)
    {
        if (obligationsDelta <= 0)
        {
            return Reason.OK;
        }
        final long obligations = assetGet(asset, ASSET_OBLIGATIONS);
        if (overflows(obligations, obligationsDelta))
        {
            return Reason.AMOUNT_OVERFLOW;
        }
        final long after = obligations + obligationsDelta;
        final long holdings = assetGet(asset, ASSET_HOLDINGS);
        final long buffer = reserveBuffer[asset];
        final long limit = holdings - buffer;
        // holdings - buffer can only overflow below Long.MIN_VALUE, where nothing is covered.
        final boolean limitUnderflows = ((holdings ^ buffer) & (holdings ^ limit)) < 0;
        if (limitUnderflows || after > limit)
        {
            final Alert alert = raise(AlertType.RESERVE_COVER_BREACH, AlertScope.ASSET, asset, 0, 0);
            if (alert != null)
            {
                alert.figure(0, holdings);
                alert.figure(1, after);
                alert.figure(2, amount);
                alert.figure(3, buffer);
            }
            return Reason.RESERVE_COVER_EXCEEDED;
        }
        return Reason.OK;
    }

    /**
     * SPEC §5.4: the withdrawals of the window, this one included, within the asset's limit and, for a hot wallet,
     * within its share of the wallet's expected holdings. The withdrawal that would cross either is rejected with an
     * {@link AlertType#OUTFLOW_VELOCITY} alert; the burst-th such rejection within the window halts the outflows.
     */
    private Reason checkOutflowVelocity(final int asset, final int wallet, final long amount)
    {
        final long bucketMs = outflowBucketMs[asset];
        final int assetWindow = outflowWindow(asset);
        final int walletWindow = walletWindow(wallet);
        windowAdvance(assetWindow, bucketMs);
        windowAdvance(walletWindow, bucketMs);
        final long assetOutflow = windows.getLong(assetWindow + WINDOW_SUM * 8) + amount;
        long limit = outflowMinorUnitsMax[asset];
        long outflow = assetOutflow;
        boolean exceeded = assetOutflow < 0 || assetOutflow > limit;
        if (!exceeded && walletKinds[wallet] == WalletKind.HOT)
        {
            final long expected = walletGet(wallet, WALLET_EXPECTED);
            // bps <= 10,000: the share of a non-negative long cannot overflow once divided first.
            final long share = expected <= 0 ? 0 : (expected / 10_000) * outflowHotShareBps[asset] +
                (expected % 10_000) * outflowHotShareBps[asset] / 10_000;
            final long walletOutflow = windows.getLong(walletWindow + WINDOW_SUM * 8) + amount;
            if (walletOutflow < 0 || walletOutflow > share)
            {
                exceeded = true;
                limit = share;
                outflow = walletOutflow;
            }
        }
        if (!exceeded)
        {
            return Reason.OK;
        }
        final Alert alert = raise(AlertType.OUTFLOW_VELOCITY, AlertScope.ASSET, asset, walletIds[wallet], 0);
        if (alert != null)
        {
            alert.figure(0, outflow);
            alert.figure(1, limit);
        }
        // Counted towards a burst once the command is decided, outside any batch's undo: a rejection inside a
        // rejected batch counts as much as one on its own.
        velocityRejectedAsset = asset;
        return Reason.OUTFLOW_VELOCITY_EXCEEDED;
    }

    /**
     * After a command was decided: count a velocity rejection towards a burst, and halt the outflows on the
     * burst-th within the window. The one way a rejected command changes the ledger.
     */
    private void countVelocityRejection()
    {
        final int asset = velocityRejectedAsset;
        velocityRejectedAsset = -1;
        assert !undo.isActive() : "burst counted inside a batch's undo";
        final int burstWindow = burstWindow(asset);
        windowAdd(burstWindow, outflowBucketMs[asset], 1);
        if (windows.getLong(burstWindow + WINDOW_SUM * 8) >= outflowBurstMax[asset] &&
            (assetGet(asset, ASSET_FLAGS) & ASSET_FLAG_OUTFLOWS_HALTED) == 0)
        {
            engage(asset, ASSET_FLAG_OUTFLOWS_HALTED, KillSwitchCause.VELOCITY_BURST, outflowBurstMax[asset]);
        }
    }

    private int outflowWindow(final int asset)
    {
        return asset * WINDOW_WORDS * 8;
    }

    private int walletWindow(final int wallet)
    {
        return (assetIds.length + wallet) * WINDOW_WORDS * 8;
    }

    private int burstWindow(final int asset)
    {
        return (assetIds.length + walletIds.length + asset) * WINDOW_WORDS * 8;
    }

    private int volumeWindow(final int asset)
    {
        return (2 * assetIds.length + walletIds.length + asset) * WINDOW_WORDS * 8;
    }

    /**
     * SPEC §5.3: internal traded volume in the window above the configured multiple of holdings raises
     * {@link AlertType#VOLUME_EXCEEDS_HOLDINGS} once, when it crosses; it may raise again after falling back below.
     */
    private void addTradedVolume(final int asset, final long amount)
    {
        final int window = volumeWindow(asset);
        windowAdd(window, volumeBucketMs[asset], amount);
        final long volume = windows.getLong(window + WINDOW_SUM * 8);
        final long holdings = Math.max(0, assetGet(asset, ASSET_HOLDINGS));
        final boolean above = volume < 0 || exceedsShare(volume, holdings, volumeMultipleBps[asset]);
        final long flags = assetGet(asset, ASSET_FLAGS);
        final boolean alerted = (flags & ASSET_FLAG_VOLUME_ALERTED) != 0;
        if (above && !alerted)
        {
            assetPut(asset, ASSET_FLAGS, flags | ASSET_FLAG_VOLUME_ALERTED);
            final Alert alert = raise(AlertType.VOLUME_EXCEEDS_HOLDINGS, AlertScope.ASSET, asset, 0, 0);
            if (alert != null)
            {
                alert.figure(0, volume);
                alert.figure(1, holdings);
            }
        }
        else if (!above && alerted)
        {
            assetPut(asset, ASSET_FLAGS, flags & ~ASSET_FLAG_VOLUME_ALERTED);
        }
    }

    /**
     * SPEC §5.7: the hot wallets' share of holdings above the maximum raises {@link AlertType#COLD_RATIO} once, when
     * it crosses; it may raise again after falling back to or below the maximum.
     */
    private void checkColdRatio(final int asset)
    {
        final long holdings = assetGet(asset, ASSET_HOLDINGS);
        // Until every wallet of the asset has been attested once, the split between hot and cold is not known.
        if (holdings <= 0 || assetGet(asset, ASSET_ATTESTED_OLDEST_MS) == NEVER)
        {
            return;
        }
        long hot = 0;
        for (final int w : walletsOfAsset[asset])
        {
            if (walletKinds[w] == WalletKind.HOT)
            {
                hot += Math.max(0, walletGet(w, WALLET_EXPECTED));
            }
        }
        // hot <= holdings unless another wallet's expected is negative: cap it, the share is at most 100%.
        hot = Math.min(hot, holdings);
        final boolean above = exceedsShare(hot, holdings, hotShareBpsMax[asset]);
        final long flags = assetGet(asset, ASSET_FLAGS);
        final boolean alerted = (flags & ASSET_FLAG_COLD_RATIO_ALERTED) != 0;
        if (above && !alerted)
        {
            assetPut(asset, ASSET_FLAGS, flags | ASSET_FLAG_COLD_RATIO_ALERTED);
            final Alert alert = raise(AlertType.COLD_RATIO, AlertScope.ASSET, asset, 0, 0);
            if (alert != null)
            {
                // hot <= holdings: beyond Long.MAX_VALUE / 10,000, holdings / 10,000 is at least 922 billion.
                alert.figure(0, hot <= Long.MAX_VALUE / 10_000 ? hot * 10_000 / holdings : hot / (holdings / 10_000));
                alert.figure(1, hotShareBpsMax[asset]);
            }
        }
        else if (!above && alerted)
        {
            assetPut(asset, ASSET_FLAGS, flags & ~ASSET_FLAG_COLD_RATIO_ALERTED);
        }
    }

    /**
     * @return true when {@code part * 10,000 > whole * bps}, exactly, for non-negative values.
     */
    private static boolean exceedsShare(final long part, final long whole, final long bps)
    {
        final long leftHigh = Math.multiplyHigh(part, 10_000);
        final long leftLow = part * 10_000;
        final long rightHigh = Math.multiplyHigh(whole, bps);
        final long rightLow = whole * bps;
        return leftHigh != rightHigh ? leftHigh > rightHigh : Long.compareUnsigned(leftLow, rightLow) > 0;
    }

    /**
     * Move a window to the bucket of the engine's clock, emptying the buckets it passes. Time only moves forward.
     */
    private void windowAdvance(final int window, final long bucketMs)
    {
        final long epoch = nowMs / bucketMs;
        if (windows.getLong(window + WINDOW_BUCKET_MS * 8) != bucketMs)
        {
            windowReset(window, bucketMs);
            return;
        }
        final long last = windows.getLong(window + WINDOW_EPOCH * 8);
        if (epoch <= last)
        {
            return;
        }
        long sum = windows.getLong(window + WINDOW_SUM * 8);
        final long steps = Math.min(epoch - last, WINDOW_BUCKETS);
        for (long i = 1; i <= steps; i++)
        {
            final int bucket = window + (WINDOW_FIRST_BUCKET + (int)((last + i) % WINDOW_BUCKETS)) * 8;
            final long value = windows.getLong(bucket);
            if (value != 0)
            {
                sum -= value;
                undo.putLong(windows, bucket, 0);
            }
        }
        undo.putLong(windows, window + WINDOW_SUM * 8, sum);
        undo.putLong(windows, window + WINDOW_EPOCH * 8, epoch);
    }

    /**
     * Empty a window and start it at the engine's clock, kept in buckets of {@code bucketMs}.
     */
    private void windowReset(final int window, final long bucketMs)
    {
        for (int i = 0; i < WINDOW_BUCKETS; i++)
        {
            undo.putLong(windows, window + (WINDOW_FIRST_BUCKET + i) * 8, 0);
        }
        undo.putLong(windows, window + WINDOW_SUM * 8, 0);
        undo.putLong(windows, window + WINDOW_EPOCH * 8, nowMs / bucketMs);
        undo.putLong(windows, window + WINDOW_BUCKET_MS * 8, bucketMs);
    }

    private void windowAdd(final int window, final long bucketMs, final long amount)
    {
        windowAdvance(window, bucketMs);
        final long epoch = windows.getLong(window + WINDOW_EPOCH * 8);
        final int bucket = window + (WINDOW_FIRST_BUCKET + (int)(epoch % WINDOW_BUCKETS)) * 8;
        undo.putLong(windows, bucket, windows.getLong(bucket) + amount);
        undo.putLong(windows, window + WINDOW_SUM * 8, windows.getLong(window + WINDOW_SUM * 8) + amount);
    }

    private boolean isHalted(final int asset)
    {
        return (assetGet(asset, ASSET_FLAGS) & ASSET_FLAG_HALTED) != 0 ||
            (globals.getLong(GLOBAL_FLAGS * 8) & GLOBAL_FLAG_HALTED) != 0;
    }

    /**
     * Invariant I5: an asset any of whose wallets has no attestation within the age limit is restricted. Checked by
     * the commands it restricts; the first such check after the limit passes raises {@link AlertType#ATTESTATION_STALE}.
     */
    private boolean isRestricted(final int asset)
    {
        final boolean stale = isStale(asset);
        if (stale && assetGet(asset, ASSET_STALE) == 0)
        {
            assetPut(asset, ASSET_STALE, 1);
            raiseFreshness(AlertType.ATTESTATION_STALE, asset);
        }
        return stale;
    }

    private boolean isStale(final int asset)
    {
        final long oldest = assetGet(asset, ASSET_ATTESTED_OLDEST_MS);
        return oldest == NEVER || nowMs - oldest > attestationAgeMsMax[asset];
    }

    private long spendable(final int position)
    {
        final long available = positions.get(position, POSITION_AVAILABLE);
        final long creditLimit = positions.get(position, POSITION_CREDIT_LIMIT);
        final long sum = available + creditLimit;
        return overflows(available, creditLimit) ? Long.MAX_VALUE : sum;
    }

    /**
     * While a position has withdrawals under way, its balance must stay at or above them, so that each settlement
     * takes out of the obligations exactly what leaves custody. A credit line with a withdrawal under way therefore
     * cannot go into debt; without one it may go down to its limit.
     *
     * @param position the debited position.
     * @param balance  its balance before the debit.
     * @param debit    the amount debited, &gt; 0.
     * @return true when the debit keeps the pending withdrawals backed.
     */
    private boolean keepsWithdrawalsBacked(final int position, final long balance, final long debit)
    {
        final long withdrawalHeld = positions.get(position, POSITION_WITHDRAWAL_HELD);
        // balance - withdrawalHeld = available + (held - withdrawalHeld) >= available >= -creditLimit: no overflow.
        return withdrawalHeld == 0 || debit <= balance - withdrawalHeld;
    }

    private void addObligations(final int asset, final long delta)
    {
        if (delta != 0)
        {
            assetPut(asset, ASSET_OBLIGATIONS, assetGet(asset, ASSET_OBLIGATIONS) + delta);
        }
    }

    private static long positivePart(final long balance)
    {
        return balance > 0 ? balance : 0;
    }

    /**
     * @return true when {@code a + b} does not fit in a long.
     */
    private static boolean overflows(final long a, final long b)
    {
        final long sum = a + b;
        return ((a ^ sum) & (b ^ sum)) < 0;
    }

    private Reason exhausted(final Decision decision, final TableKind table)
    {
        decision.exhaustedTable = table;
        return Reason.CAPACITY_EXHAUSTED;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Alerts.
    // ---------------------------------------------------------------------------------------------------------------

    private Alert raise(
        final AlertType type, final AlertScope scope, final int asset, final long walletId, final long accountId)
    {
        final Alert alert = decision.nextAlert();
        if (alert != null)
        {
            alert.set(seq, nowNs, txId, type, scope, asset >= 0 ? assetIds[asset] : 0, walletId, accountId);
        }
        return alert;
    }

    private void released(
        final AlertScope scope, final int asset, final long walletId, final long sinceMs, final long cause,
        final boolean outflowsOnly)
    {
        final Alert alert = raise(AlertType.KILL_SWITCH_RELEASED, scope, asset, walletId, 0);
        if (alert != null)
        {
            alert.figure(0, cause);
            alert.figure(1, sinceMs);
            alert.figure(2, nowMs - sinceMs);
            alert.figure(3, outflowsOnly ? 1 : 0);
        }
    }

    private void raiseSanityCap(final int asset, final long accountId, final long amount)
    {
        final Alert alert = raise(AlertType.SANITY_CAP, AlertScope.ACCOUNT, asset, 0, accountId);
        if (alert != null)
        {
            alert.figure(0, amount);
            alert.figure(1, creditCap[asset]);
        }
    }

    private void raiseFreshness(final AlertType type, final int asset)
    {
        final Alert alert = raise(type, AlertScope.ASSET, asset, 0, 0);
        if (alert != null)
        {
            final long oldest = assetGet(asset, ASSET_ATTESTED_OLDEST_MS);
            alert.figure(0, oldest == NEVER ? -1 : oldest);
            alert.figure(1, nowMs);
            alert.figure(2, attestationAgeMsMax[asset]);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Table access.
    // ---------------------------------------------------------------------------------------------------------------

    private int assetIndex(final int assetId)
    {
        return assetId > 0 ? assetIndexById.get(assetId) : -1;
    }

    private int walletIndex(final long walletId)
    {
        return walletId > 0 ? (int)walletIndexById.get(walletId) : -1;
    }

    private int findHold(final long holdId)
    {
        final int hold = holds.find(holdId, 0);
        // A hold emptied inside a linked batch is removed when the batch commits; until then it is gone.
        return hold >= 0 && holds.get(hold, HOLD_REMAINING) > 0 ? hold : -1;
    }

    private int holdKind(final int hold)
    {
        return (int)(holds.get(hold, HOLD_ASSET_KIND) >>> 32);
    }

    private int holdAsset(final int hold)
    {
        return (int)holds.get(hold, HOLD_ASSET_KIND);
    }

    private void removeHoldLater(final long holdId)
    {
        assert holdsToRemoveCount < holdsToRemove.length : "too many holds emptied by one command";
        holdsToRemove[holdsToRemoveCount++] = holdId;
    }

    private void removeEmptiedHolds()
    {
        for (int i = 0; i < holdsToRemoveCount; i++)
        {
            final int hold = holds.find(holdsToRemove[i], 0);
            assert hold >= 0 : "emptied hold vanished: holdId=" + holdsToRemove[i];
            assert holds.get(hold, HOLD_REMAINING) == 0 : "hold not empty: holdId=" + holdsToRemove[i];
            holds.remove(hold);
        }
        holdsToRemoveCount = 0;
    }

    private AccountStatus accountStatus(final int account)
    {
        return AccountStatus.fromCode((int)((accounts.get(account, ACCOUNT_KIND_STATUS) >>> 8) & 0xFF));
    }

    private AccountKind accountKind(final int account)
    {
        return AccountKind.fromCode((int)(accounts.get(account, ACCOUNT_KIND_STATUS) & 0xFF));
    }

    private static long kindStatus(final AccountKind kind, final AccountStatus status)
    {
        return kind.code() | ((long)status.code() << 8);
    }

    private static int assetWord(final int asset, final int word)
    {
        return (asset * ASSET_WORDS + word) * 8;
    }

    private static int walletWord(final int wallet, final int word)
    {
        return (wallet * WALLET_WORDS + word) * 8;
    }

    private long assetGet(final int asset, final int word)
    {
        return assets.getLong(assetWord(asset, word));
    }

    private void assetPut(final int asset, final int word, final long value)
    {
        undo.putLong(assets, assetWord(asset, word), value);
        markDirty(asset);
    }

    private long walletGet(final int wallet, final int word)
    {
        return wallets.getLong(walletWord(wallet, word));
    }

    private void walletPut(final int wallet, final int word, final long value)
    {
        undo.putLong(wallets, walletWord(wallet, word), value);
        markDirty(walletAssetIndex[wallet]);
    }

    private void markDirty(final int asset)
    {
        if (!assetDirty[asset])
        {
            assetDirty[asset] = true;
            dirtyAssets[dirtyAssetCount++] = asset;
        }
    }

    private void publishDirtyAssets()
    {
        for (int i = 0; i < dirtyAssetCount; i++)
        {
            final int asset = dirtyAssets[i];
            assetDirty[asset] = false;
            counters.publish(
                asset,
                assetGet(asset, ASSET_OBLIGATIONS),
                assetGet(asset, ASSET_HOLDINGS),
                assetGet(asset, ASSET_HELD),
                assetStatus(asset),
                seq,
                nowNs);
        }
        dirtyAssetCount = 0;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Snapshots: the whole state is these off-heap parts; everything else is configuration or per-command scratch.
    // ---------------------------------------------------------------------------------------------------------------

    private static final String[] STATE_PART_NAMES =
        {"accounts", "positions", "holds", "txIds", "inflows", "assets", "wallets", "globals", "windows", "credits"};

    /**
     * @return how many parts the state has: see {@link #statePart(int)}.
     */
    public int statePartCount()
    {
        return STATE_PART_NAMES.length;
    }

    /**
     * @param index a part, from 0.
     * @return its name, stable across versions of the same snapshot format.
     */
    public String statePartName(final int index)
    {
        return STATE_PART_NAMES[index];
    }

    /**
     * A part of the state, whole: a snapshot writes each part's bytes and a restore writes them back. Read or write it
     * only while no command is being applied.
     *
     * @param index a part, from 0.
     * @return its buffer.
     */
    public UnsafeBuffer statePart(final int index)
    {
        switch (index)
        {
            case 0: return accounts.buffer();
            case 1: return positions.buffer();
            case 2: return holds.buffer();
            case 3: return txIds.buffer();
            case 4: return inflows.buffer();
            case 5: return assets;
            case 6: return wallets;
            case 7: return globals;
            case 8: return windows;
            case 9: return credits.buffer();
            default: throw new IndexOutOfBoundsException("state part " + index + " of " + STATE_PART_NAMES.length);
        }
    }

    /**
     * Copy the whole state into another engine built from the same configuration: the pause a snapshot costs the
     * guard thread. Allocates nothing.
     *
     * @param target an engine of the same configuration, not applying anything.
     */
    public void copyStateTo(final GuardEngine target)
    {
        assert !undo.isActive() : "copy during apply";
        for (int i = 0; i < STATE_PART_NAMES.length; i++)
        {
            final UnsafeBuffer from = statePart(i);
            final UnsafeBuffer to = target.statePart(i);
            assert from.capacity() == to.capacity() : STATE_PART_NAMES[i] + " " + from.capacity() + " != " +
                to.capacity();
            to.putBytes(0, from, 0, from.capacity());
        }
    }

    /**
     * After the parts were written back from a snapshot: count the frozen accounts again (derived, and not in the state
     * hash: a snapshot written before the count was kept holds 0) and publish every asset's figures as of the restored
     * sequence.
     *
     * @param restoredSeq the sequence the snapshot was taken at.
     */
    public void stateRestored(final long restoredSeq)
    {
        seq = restoredSeq;
        nowNs = globals.getLong(GLOBAL_LAST_TIMESTAMP_NS * 8);
        nowMs = nowNs / NANOS_PER_MILLI;
        globals.putLong(GLOBAL_FROZEN_ACCOUNTS * 8, countFrozenAccounts());
        for (int a = 0; a < assetIds.length; a++)
        {
            counters.publish(a, assetGet(a, ASSET_OBLIGATIONS), assetGet(a, ASSET_HOLDINGS), assetGet(a, ASSET_HELD),
                assetStatus(a), seq, nowNs);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Reading state: for the applying thread, or when it is stopped (tests, replay, reports, audit).
    // ---------------------------------------------------------------------------------------------------------------

    /**
     * @return the number of commands applied, duplicates and rejections included.
     */
    public long commandsApplied()
    {
        return globals.getLong(GLOBAL_COMMANDS * 8);
    }

    /**
     * @return the guard's clock: the latest sequencing time seen, in epoch nanoseconds.
     */
    public long nowNs()
    {
        return globals.getLong(GLOBAL_LAST_TIMESTAMP_NS * 8);
    }

    /**
     * @param assetId an asset id.
     * @return its index in configuration order, or -1.
     */
    public int indexOfAsset(final int assetId)
    {
        return assetIndex(assetId);
    }

    /**
     * @return the number of configured assets.
     */
    public int assetCount()
    {
        return assetIds.length;
    }

    /**
     * @param assetIndex index in configuration order.
     * @return the asset's code.
     */
    public String assetCode(final int assetIndex)
    {
        return assetCodes[assetIndex];
    }

    /**
     * @param assetIndex index in configuration order.
     * @return the asset's id.
     */
    public int assetId(final int assetIndex)
    {
        return assetIds[assetIndex];
    }

    /**
     * @param assetIndex index in configuration order.
     * @return obligations: the sum over positions of max(balance, 0).
     */
    public long obligations(final int assetIndex)
    {
        return assetGet(assetIndex, ASSET_OBLIGATIONS);
    }

    /**
     * @param assetIndex index in configuration order.
     * @return holdings: the sum of the expected holdings of the asset's wallets.
     */
    public long holdings(final int assetIndex)
    {
        return assetGet(assetIndex, ASSET_HOLDINGS);
    }

    /**
     * @param assetIndex index in configuration order.
     * @return the sum over positions of held.
     */
    public long held(final int assetIndex)
    {
        return assetGet(assetIndex, ASSET_HELD);
    }

    /**
     * @param assetIndex index in configuration order.
     * @return the asset's status as of the guard's clock.
     */
    public AssetStatus assetStatus(final int assetIndex)
    {
        if (isHalted(assetIndex))
        {
            return AssetStatus.HALTED;
        }
        return isStale(assetIndex) ? AssetStatus.RESTRICTED : AssetStatus.NORMAL;
    }

    /**
     * @param assetIndex an asset index.
     * @return true when the asset's outflows are halted (SPEC §5.2): withdrawals are rejected though the asset's
     *         status may be {@link AssetStatus#NORMAL}.
     */
    public boolean outflowsHalted(final int assetIndex)
    {
        return (assetGet(assetIndex, ASSET_FLAGS) & ASSET_FLAG_OUTFLOWS_HALTED) != 0;
    }

    /**
     * @return the number of configured wallets.
     */
    public int walletCount()
    {
        return walletIds.length;
    }

    /**
     * @param walletIndex index in configuration order.
     * @return the wallet's id.
     */
    public long walletId(final int walletIndex)
    {
        return walletIds[walletIndex];
    }

    /**
     * @param walletIndex index in configuration order.
     * @return the index of the wallet's asset.
     */
    public int walletAssetIndex(final int walletIndex)
    {
        return walletAssetIndex[walletIndex];
    }

    /**
     * @param walletIndex index in configuration order.
     * @return hot, cold, custodian or bank.
     */
    public WalletKind walletKind(final int walletIndex)
    {
        return walletKinds[walletIndex];
    }

    /**
     * @param walletIndex index in configuration order.
     * @return the latest attested balance.
     */
    public long walletAttested(final int walletIndex)
    {
        return walletGet(walletIndex, WALLET_ATTESTED);
    }

    /**
     * @param walletIndex index in configuration order.
     * @return attested plus inflows since less settled outflows since.
     */
    public long walletExpected(final int walletIndex)
    {
        return walletGet(walletIndex, WALLET_EXPECTED);
    }

    /**
     * @param walletIndex index in configuration order.
     * @return the sum of open withdrawal holds on the wallet.
     */
    public long walletPending(final int walletIndex)
    {
        return walletGet(walletIndex, WALLET_PENDING);
    }

    /**
     * @param walletIndex index in configuration order.
     * @return when it was last attested (epoch ms), or {@link Long#MIN_VALUE} if never.
     */
    public long walletAttestedAtMs(final int walletIndex)
    {
        return walletGet(walletIndex, WALLET_ATTESTED_AT_MS);
    }

    /**
     * @param accountId an account id.
     * @return its status, or {@code null} when there is no such account.
     */
    public AccountStatus accountStatus(final long accountId)
    {
        final int account = accountId != 0 ? accounts.find(accountId, 0) : -1;
        return account < 0 ? null : accountStatus(account);
    }

    /**
     * @param accountId an account id.
     * @return its kind, or {@code null} when there is no such account.
     */
    public AccountKind accountKind(final long accountId)
    {
        final int account = accountId != 0 ? accounts.find(accountId, 0) : -1;
        return account < 0 ? null : accountKind(account);
    }

    /**
     * @param accountId  an account id.
     * @param assetIndex index of an asset.
     * @return the position's available, 0 when there is no position.
     */
    public long available(final long accountId, final int assetIndex)
    {
        final int position = accountId != 0 ? positions.find(accountId, assetIndex) : -1;
        return position < 0 ? 0 : positions.get(position, POSITION_AVAILABLE);
    }

    /**
     * @param accountId  an account id.
     * @param assetIndex index of an asset.
     * @return the position's held, 0 when there is no position.
     */
    public long heldOf(final long accountId, final int assetIndex)
    {
        final int position = accountId != 0 ? positions.find(accountId, assetIndex) : -1;
        return position < 0 ? 0 : positions.get(position, POSITION_HELD);
    }

    /**
     * @param holdId a hold id.
     * @return what remains of the hold, 0 when there is no open hold.
     */
    public long holdRemaining(final long holdId)
    {
        final int hold = holdId != 0 ? findHold(holdId) : -1;
        return hold < 0 ? 0 : holds.get(hold, HOLD_REMAINING);
    }

    /**
     * @param table a table.
     * @return how many entries it holds.
     */
    public long tableSize(final TableKind table)
    {
        switch (table)
        {
            case ACCOUNTS: return accounts.size();
            case POSITIONS: return positions.size();
            case HOLDS: return holds.size();
            case TX_IDS: return txIds.size();
            case INFLOWS: return inflows.size();
            case CREDITS: return credits.size();
            default: throw new IllegalArgumentException(String.valueOf(table));
        }
    }

    /**
     * Visit every position, in table order (not sorted).
     *
     * @param visitor called once per position.
     */
    public void forEachPosition(final PositionVisitor visitor)
    {
        for (int i = 0, capacity = positions.capacity(); i < capacity; i++)
        {
            final int offset = positions.slotOffset(i);
            if (positions.isOccupied(offset))
            {
                visitor.onPosition(
                    positions.get(offset, POSITION_ACCOUNT_ID),
                    (int)positions.get(offset, POSITION_ASSET_INDEX),
                    positions.get(offset, POSITION_AVAILABLE),
                    positions.get(offset, POSITION_HELD),
                    positions.get(offset, POSITION_CREDIT_LIMIT));
            }
        }
    }

    /**
     * Visit every account, in table order (not sorted).
     *
     * @param visitor called once per account.
     */
    public void forEachAccount(final AccountVisitor visitor)
    {
        for (int i = 0, capacity = accounts.capacity(); i < capacity; i++)
        {
            final int offset = accounts.slotOffset(i);
            if (accounts.isOccupied(offset))
            {
                visitor.onAccount(accounts.get(offset, ACCOUNT_ID), accountKind(offset), accountStatus(offset));
            }
        }
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
    // Audit and state hash.
    // ---------------------------------------------------------------------------------------------------------------

    /**
     * Recompute every counter from the tables and compare (invariants I1 and I3). Not for the apply path: it reads
     * every slot of every table.
     *
     * @return a description of the first violation found, or {@code null} when every invariant holds.
     */
    public String checkInvariants()
    {
        final int assetCount = assetIds.length;
        final long[] obligations = new long[assetCount];
        final long[] held = new long[assetCount];
        final long[] holdRemaining = new long[assetCount];
        final long[] pending = new long[walletIds.length];
        final java.util.Map<Integer, Long> withdrawalHeldByPosition = new java.util.HashMap<>();
        final long frozen = countFrozenAccounts();
        if (frozen != globals.getLong(GLOBAL_FROZEN_ACCOUNTS * 8))
        {
            return "frozen accounts counted " + globals.getLong(GLOBAL_FROZEN_ACCOUNTS * 8) + ", found " + frozen;
        }
        for (int i = 0, capacity = positions.capacity(); i < capacity; i++)
        {
            final int offset = positions.slotOffset(i);
            if (!positions.isOccupied(offset))
            {
                continue;
            }
            final long accountId = positions.get(offset, POSITION_ACCOUNT_ID);
            final int asset = (int)positions.get(offset, POSITION_ASSET_INDEX);
            final long available = positions.get(offset, POSITION_AVAILABLE);
            final long positionHeld = positions.get(offset, POSITION_HELD);
            final long creditLimit = positions.get(offset, POSITION_CREDIT_LIMIT);
            final String where = "position accountId=" + accountId + ", asset=" + assetCodes[asset];
            final int account = accounts.find(accountId, 0);
            if (account < 0)
            {
                return "I1: " + where + " has no account";
            }
            if (positionHeld < 0)
            {
                return "I1: " + where + " held=" + positionHeld + " < 0";
            }
            if (creditLimit < 0 || (creditLimit > 0 && accountKind(account) != AccountKind.CREDIT_LINE))
            {
                return "I1: " + where + " creditLimit=" + creditLimit + " on a " + accountKind(account) + " account";
            }
            if (available < -creditLimit)
            {
                return "I1: " + where + " available=" + available + " < -creditLimit=" + -creditLimit;
            }
            final long withdrawalHeld = positions.get(offset, POSITION_WITHDRAWAL_HELD);
            if (withdrawalHeld < 0 || withdrawalHeld > positionHeld ||
                (withdrawalHeld > 0 && available + positionHeld < withdrawalHeld))
            {
                return "I1: " + where + " pending withdrawals=" + withdrawalHeld + " not backed: available=" +
                    available + ", held=" + positionHeld;
            }
            withdrawalHeldByPosition.put(offset, withdrawalHeld);
            obligations[asset] += positivePart(available + positionHeld);
            held[asset] += positionHeld;
        }
        for (int i = 0, capacity = holds.capacity(); i < capacity; i++)
        {
            final int offset = holds.slotOffset(i);
            if (!holds.isOccupied(offset))
            {
                continue;
            }
            final long holdId = holds.get(offset, HOLD_ID);
            final long remaining = holds.get(offset, HOLD_REMAINING);
            final int asset = holdAsset(offset);
            if (remaining <= 0)
            {
                return "I3: hold holdId=" + holdId + " remaining=" + remaining + " <= 0";
            }
            final int position = (int)holds.get(offset, HOLD_POSITION_OFFSET);
            if (positions.get(position, POSITION_ACCOUNT_ID) != holds.get(offset, HOLD_ACCOUNT_ID) ||
                positions.get(position, POSITION_ASSET_INDEX) != asset)
            {
                return "I3: hold holdId=" + holdId + " points at another position";
            }
            holdRemaining[asset] += remaining;
            if (holdKind(offset) == HOLD_KIND_WITHDRAWAL)
            {
                pending[(int)holds.get(offset, HOLD_WALLET_INDEX)] += remaining;
                withdrawalHeldByPosition.merge(position, -remaining, Long::sum);
            }
        }
        for (final java.util.Map.Entry<Integer, Long> entry : withdrawalHeldByPosition.entrySet())
        {
            if (entry.getValue() != 0)
            {
                return "I3: position at offset " + entry.getKey() + " pending withdrawals differ from its " +
                    "withdrawal holds by " + entry.getValue();
            }
        }
        final long[] expectedSum = new long[assetCount];
        for (int w = 0; w < walletIds.length; w++)
        {
            final long expected = walletGet(w, WALLET_EXPECTED);
            final long recomputed = walletGet(w, WALLET_ATTESTED) + walletGet(w, WALLET_INFLOWS_SINCE) -
                walletGet(w, WALLET_OUTFLOWS_SINCE);
            if (expected != recomputed)
            {
                return "I3: wallet " + walletIds[w] + " expected=" + expected + " != attested + inflows - outflows=" +
                    recomputed;
            }
            if (pending[w] != walletGet(w, WALLET_PENDING))
            {
                return "I3: wallet " + walletIds[w] + " pending=" + walletGet(w, WALLET_PENDING) +
                    " != sum of withdrawal holds=" + pending[w];
            }
            expectedSum[walletAssetIndex[w]] += expected;
        }
        for (int a = 0; a < assetCount; a++)
        {
            final String asset = assetCodes[a];
            if (obligations[a] != assetGet(a, ASSET_OBLIGATIONS))
            {
                return "I3: asset " + asset + " obligations counter=" + assetGet(a, ASSET_OBLIGATIONS) +
                    " != recomputed=" + obligations[a];
            }
            if (held[a] != assetGet(a, ASSET_HELD))
            {
                return "I3: asset " + asset + " held counter=" + assetGet(a, ASSET_HELD) + " != sum of positions=" +
                    held[a];
            }
            if (holdRemaining[a] != held[a])
            {
                return "I3: asset " + asset + " sum of held=" + held[a] + " != sum of open holds=" + holdRemaining[a];
            }
            if (expectedSum[a] != assetGet(a, ASSET_HOLDINGS))
            {
                return "I3: asset " + asset + " holdings=" + assetGet(a, ASSET_HOLDINGS) +
                    " != sum of wallets' expected=" + expectedSum[a];
            }
        }
        for (int i = 0, capacity = inflows.capacity(); i < capacity; i++)
        {
            final int offset = inflows.slotOffset(i);
            if (inflows.buffer().getLong(offset) != 0 && inflows.credited(offset) > inflows.amount(offset))
            {
                return "I3: an inflow is credited beyond its amount: credited=" + inflows.credited(offset) +
                    ", amount=" + inflows.amount(offset);
            }
        }
        return null;
    }

    /**
     * A digest of the whole state that does not depend on the order entries were inserted in, for replay equality
     * (I7). Not for the apply path.
     *
     * @return the state hash.
     */
    public StateHash stateHash()
    {
        final StateHash.Builder ledger = new StateHash.Builder();
        hashTable(ledger, 1, accounts, ACCOUNT_WORDS, -1);
        hashTable(ledger, 2, positions, POSITION_WORDS, -1);
        // A hold's position offset is a cache that depends on insertion order; the position is in the hold's key.
        hashTable(ledger, 3, holds, HOLD_WORDS, HOLD_POSITION_OFFSET);
        for (int i = 0, capacity = inflows.capacity(); i < capacity; i++)
        {
            final int offset = inflows.slotOffset(i);
            if (inflows.buffer().getLong(offset) != 0)
            {
                ledger.add(4, inflows.buffer(), offset, InflowDescriptor.SLOT_WORDS, -1);
            }
        }
        for (int a = 0; a < assetIds.length; a++)
        {
            ledger.add(5, assets, assetWord(a, 0), ASSET_WORDS, ASSET_STALE);
        }
        for (int w = 0; w < walletIds.length; w++)
        {
            ledger.add(6, wallets, walletWord(w, 0), WALLET_WORDS, -1);
        }
        ledger.add(7, globals, GLOBAL_FLAGS * 8, 1, -1);
        ledger.add(9, globals, GLOBAL_HALTED_AT_MS * 8, 1, -1);
        hashTable(ledger, 11, credits, CREDIT_WORDS, -1);
        final StateHash.Builder decisions = new StateHash.Builder();
        hashTable(decisions, 8, txIds, TX_WORDS, -1);
        // The outflow windows are control state that rejections move too (a rejected withdrawal counts towards a
        // burst), so they go with the decisions.
        for (int i = 0, count = 3 * assetIds.length + walletIds.length; i < count; i++)
        {
            decisions.add(10, windows, i * WINDOW_WORDS * 8, WINDOW_WORDS, -1);
        }
        return new StateHash(ledger, decisions);
    }

    private static void hashTable(
        final StateHash.Builder builder, final int tag, final OffHeapTable table, final int words, final int skipWord)
    {
        for (int i = 0, capacity = table.capacity(); i < capacity; i++)
        {
            final int offset = table.slotOffset(i);
            if (table.isOccupied(offset))
            {
                builder.add(tag, table.buffer(), offset, words, skipWord);
            }
        }
    }

    /**
     * Local alias so the hash code can name the inflow layout without importing internals into the public surface.
     */
    private static final class InflowDescriptor
    {
        static final int SLOT_WORDS = io.ledgerguard.core.internal.InflowDescriptor.SLOT_BYTES / 8;
    }

    static
    {
        assert Descriptors.POSITION_ACCOUNT_ID == 0 && Descriptors.HOLD_ID == 0 && Descriptors.TX_ID == 0;
    }
}
