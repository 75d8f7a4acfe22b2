package io.ledgerguard.core;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One command of SPEC §4, a mutable holder reused for every command that passes through it: a ring-buffer slot, an
 * adapter's scratch command, a replay cursor. Fields a command type does not use stay at zero (see {@link #reset()}),
 * which is what makes {@link #fingerprint()} a function of the fields that matter.
 * <p>
 * Identifiers: {@code 0} means absent for account, asset, wallet and hold ids. An asset code that the configuration
 * does not know is given {@link #ASSET_ID_UNKNOWN} by adapters, so the guard can reject it as
 * {@link Reason#ASSET_NOT_FOUND} rather than as malformed.
 */
public final class Command
{
    /** Longest chain reference (transaction hash, output index and a prefix) kept byte for byte. */
    public static final int CHAIN_REF_LENGTH_MAX = 128;
    /** Longest memo of an adjustment. */
    public static final int MEMO_LENGTH_MAX = 256;
    /** Most commands in one linked batch; a trade with fees needs four to eight. */
    public static final int BATCH_COMMANDS_MAX = 16;
    /** Most per-asset credit limits given when a credit line is opened. */
    public static final int CREDIT_LIMITS_MAX = 16;
    /** Asset id an adapter gives to an asset code the configuration does not know. */
    public static final int ASSET_ID_UNKNOWN = -1;
    /** Most approvals one privileged command carries (SPEC §6). */
    public static final int APPROVALS_MAX = 8;
    /** Longest approver key id, in bytes. */
    public static final int KEY_ID_LENGTH_MAX = 32;
    /** Length of an Ed25519 signature. */
    public static final int SIGNATURE_LENGTH = 64;
    /** Longest client id (SPEC §12), in bytes of ASCII. */
    public static final int CLIENT_ID_LENGTH_MAX = 32;
    private static final byte[] NO_CLIENT_ID = new byte[0];

    private static final long FNV_PRIME = 0x100000001b3L;

    // Assigned by sequencing.
    public long seq;
    public long timestampNs;

    /**
     * When the client first submitted this command, epoch milliseconds, as it says; 0 when it does not say, and then
     * the command's own time is {@link #timestampNs}. A resubmission carries the same value. Not part of the
     * fingerprint. The guard refuses a command whose own time is older than the txId window (SPEC §11), so that a
     * txId it has forgotten can never be applied twice.
     */
    public long submittedAtMs;

    // The command.
    public CommandType type;
    public long txId;
    public long accountId;
    public long debitAccountId;
    public long creditAccountId;
    public int assetId;
    public long walletId;
    /** The destination wallet of a {@link CommandType#SWEEP}. */
    public long toWalletId;
    public long holdId;
    public long amount;
    public long reversedTxId;
    public AccountKind accountKind;

    /** Chain reference bytes; a length above {@link #CHAIN_REF_LENGTH_MAX} marks one that did not fit. */
    public final byte[] chainRef = new byte[CHAIN_REF_LENGTH_MAX];
    public int chainRefLength;

    /** Memo bytes (UTF-8); a length above {@link #MEMO_LENGTH_MAX} marks one that did not fit. */
    public final byte[] memo = new byte[MEMO_LENGTH_MAX];
    public int memoLength;

    public final int[] creditLimitAssetIds = new int[CREDIT_LIMITS_MAX];
    public final long[] creditLimits = new long[CREDIT_LIMITS_MAX];
    public int creditLimitCount;

    /** Inner commands of a {@link CommandType#BATCH}; {@code null} for an inner command itself. */
    private final Command[] batch;
    public int batchCount;

    // Approvals (SPEC §6), on top-level commands only. Not part of the fingerprint: they authorise a command, they
    // are not what it does, so a resubmission with other signatures is the same command (I6).

    /** When the approvals lapse, epoch milliseconds; signed with the command. 0 when absent. */
    public long expiresAtMs;
    /** Approvals carried: key ids and signatures in {@link #approvalKeyId} and {@link #approvalSignature}. */
    public int approvalCount;
    final byte[] approvalKeyIds;
    final int[] approvalKeyIdLengths;
    final byte[] approvalSignatures;
    /**
     * Distinct approvers of this command's class whose signatures verified, as counted by the approval verifier
     * before sequencing; the guard compares it with the class's requirement. Journaled with the command, so that a
     * replay decides as the guard did without the keys.
     */
    public int approvalsVerified;
    /** The first {@link ApprovalFault} code the verifier met, 0 when none. */
    public int approvalFault;
    /**
     * The id of the client that proved its key and sent this command (SPEC §12), journaled with it so that an audit
     * says who sent what; empty when the sender proved none (an open gateway, a linked-in caller, a command file).
     * Not part of the command's {@link #fingerprint()}: who sent it does not make it another command.
     */
    private final byte[] clientId;
    private int clientIdLength;
    /**
     * The settings a {@link CommandType#CONFIGURE} command sets, in the text form of {@link Rules}, UTF-8: on
     * top-level commands only, allocated the first time this holder carries some (a rule change is rare), so that a
     * ring slot that never carries one costs nothing. Part of the fingerprint when present.
     */
    private byte[] settings;
    private int settingsLength;
    /**
     * The sequence of the rule change whose approvers counted {@link #approvalsVerified} (0: the journal's genesis),
     * stamped by the approval verifier with the count. The guard refuses the approvals when the approvers changed at
     * a later sequence (SPEC §13): a key rotated out does not approve a command sequenced after the rotation.
     */
    public long approversSeq;

    /**
     * A top-level command, able to hold a linked batch.
     */
    public Command()
    {
        this(true);
    }

    private Command(final boolean canHoldBatch)
    {
        if (canHoldBatch)
        {
            batch = new Command[BATCH_COMMANDS_MAX];
            for (int i = 0; i < BATCH_COMMANDS_MAX; i++)
            {
                batch[i] = new Command(false);
            }
        }
        else
        {
            batch = null;
        }
        approvalKeyIds = canHoldBatch ? new byte[APPROVALS_MAX * KEY_ID_LENGTH_MAX] : null;
        approvalKeyIdLengths = canHoldBatch ? new int[APPROVALS_MAX] : null;
        approvalSignatures = canHoldBatch ? new byte[APPROVALS_MAX * SIGNATURE_LENGTH] : null;
        clientId = canHoldBatch ? new byte[CLIENT_ID_LENGTH_MAX] : null;
    }

    /**
     * A role check (SPEC §12): the command's type and, for a {@code BATCH}, every inner command's, against the types a
     * role allows. Allocates nothing.
     *
     * @param commandKinds bit {@link CommandType#code()} set for each command type allowed.
     * @return the first command type not allowed, or {@code null} when every one is.
     */
    public CommandType firstTypeOutside(final long commandKinds)
    {
        if (!allowed(commandKinds, type))
        {
            return type;
        }
        for (int i = 0, n = type == CommandType.BATCH ? batchCount : 0; i < n; i++)
        {
            final CommandType inner = inner(i).type;
            if (!allowed(commandKinds, inner))
            {
                return inner;
            }
        }
        return null;
    }

    private static boolean allowed(final long commandKinds, final CommandType type)
    {
        return type != null && (commandKinds & (1L << type.code())) != 0;
    }

    /**
     * Name the client that sent this command. Allocates nothing.
     *
     * @param id     the client id's bytes, 1..{@link #CLIENT_ID_LENGTH_MAX} of them; or an empty array for none.
     * @param length how many of them.
     */
    public void clientId(final byte[] id, final int length)
    {
        assert clientId != null : "an inner command carries no client id";
        assert length >= 0 && length <= CLIENT_ID_LENGTH_MAX : "client id of " + length + " bytes";
        System.arraycopy(id, 0, clientId, 0, length);
        clientIdLength = length;
    }

    /**
     * Decoding: the client id from a journal entry.
     */
    void clientIdFrom(final org.agrona.DirectBuffer buffer, final int offset, final int length)
    {
        buffer.getBytes(offset, clientId, 0, length);
        clientIdLength = length;
    }

    /**
     * @return the client id's length in bytes, 0 when no client proved its key.
     */
    public int clientIdLength()
    {
        return clientIdLength;
    }

    /**
     * @return the client id's bytes (the first {@link #clientIdLength()} count); empty for an inner command.
     */
    byte[] clientIdBytes()
    {
        return clientId == null ? NO_CLIENT_ID : clientId;
    }

    /**
     * @return the client id, or {@code null} when no client proved its key; allocates: not for the hot path.
     */
    public String clientIdString()
    {
        return clientIdLength == 0 ? null :
            new String(clientId, 0, clientIdLength, java.nio.charset.StandardCharsets.US_ASCII);
    }

    /**
     * Clear every field, ready for the next command.
     *
     * @return this for a fluent style.
     */
    public Command reset()
    {
        seq = 0;
        timestampNs = 0;
        submittedAtMs = 0;
        type = null;
        txId = 0;
        accountId = 0;
        debitAccountId = 0;
        creditAccountId = 0;
        assetId = 0;
        walletId = 0;
        toWalletId = 0;
        holdId = 0;
        amount = 0;
        reversedTxId = 0;
        accountKind = null;
        chainRefLength = 0;
        memoLength = 0;
        creditLimitCount = 0;
        settingsLength = 0;
        approversSeq = 0;
        // batchCount is public: clamp it rather than trust it, so that any command can always be reset.
        if (batch != null)
        {
            for (int i = 0, n = Math.min(Math.max(batchCount, 0), BATCH_COMMANDS_MAX); i < n; i++)
            {
                batch[i].reset();
            }
        }
        batchCount = 0;
        expiresAtMs = 0;
        approvalCount = 0;
        approvalsVerified = 0;
        approvalFault = 0;
        clientIdLength = 0;
        return this;
    }

    /**
     * @return true when this command can hold inner commands, that is, it is not itself inside a batch.
     */
    public boolean canHoldBatch()
    {
        return batch != null;
    }

    /**
     * @param index of an inner command, below {@link #batchCount}.
     * @return the inner command.
     */
    public Command inner(final int index)
    {
        assert batch != null : "inner command of an inner command";
        assert index >= 0 && index < batchCount : "index=" + index + ", batchCount=" + batchCount;
        return batch[index];
    }

    /**
     * Append a cleared inner command to this batch, or return {@code null} when the batch is full.
     *
     * @return the inner command to fill in, or {@code null} when {@link #BATCH_COMMANDS_MAX} are already there.
     */
    public Command addInner()
    {
        if (batch == null)
        {
            throw new IllegalStateException("an inner command cannot hold a batch");
        }
        if (batchCount == BATCH_COMMANDS_MAX)
        {
            return null;
        }
        return batch[batchCount++].reset();
    }

    /**
     * Add an approval: a key id and an Ed25519 signature over the command's canonical bytes.
     *
     * @param keyId     the approver's key id, 1..{@link #KEY_ID_LENGTH_MAX} bytes of UTF-8.
     * @param signature {@link #SIGNATURE_LENGTH} bytes.
     * @return false when the command cannot hold it: an inner command, {@link #APPROVALS_MAX} already there, or a
     *     key id or signature of the wrong length.
     */
    public boolean addApproval(final String keyId, final byte[] signature)
    {
        final byte[] id = keyId.getBytes(StandardCharsets.UTF_8);
        if (approvalKeyIds == null || approvalCount == APPROVALS_MAX || id.length == 0 ||
            id.length > KEY_ID_LENGTH_MAX || signature.length != SIGNATURE_LENGTH)
        {
            return false;
        }
        System.arraycopy(id, 0, approvalKeyIds, approvalCount * KEY_ID_LENGTH_MAX, id.length);
        approvalKeyIdLengths[approvalCount] = id.length;
        System.arraycopy(signature, 0, approvalSignatures, approvalCount * SIGNATURE_LENGTH, SIGNATURE_LENGTH);
        approvalCount++;
        return true;
    }

    /**
     * Add an approval from bytes, without allocating: for decoders.
     *
     * @param keyId           the key id's UTF-8 bytes.
     * @param keyIdOffset     where they start.
     * @param keyIdLength     how many, 1..{@link #KEY_ID_LENGTH_MAX}.
     * @param signature       the signature's bytes.
     * @param signatureOffset where its {@link #SIGNATURE_LENGTH} bytes start.
     * @return false when the command cannot hold it (an inner command, {@link #APPROVALS_MAX} already there, or a key
     *     id of the wrong length).
     */
    public boolean addApproval(
        final byte[] keyId, final int keyIdOffset, final int keyIdLength, final byte[] signature,
        final int signatureOffset)
    {
        if (approvalKeyIds == null || approvalCount == APPROVALS_MAX || keyIdLength <= 0 ||
            keyIdLength > KEY_ID_LENGTH_MAX)
        {
            return false;
        }
        System.arraycopy(keyId, keyIdOffset, approvalKeyIds, approvalCount * KEY_ID_LENGTH_MAX, keyIdLength);
        approvalKeyIdLengths[approvalCount] = keyIdLength;
        System.arraycopy(signature, signatureOffset, approvalSignatures, approvalCount * SIGNATURE_LENGTH,
            SIGNATURE_LENGTH);
        approvalCount++;
        return true;
    }

    /**
     * @param index of an approval, below {@link #approvalCount}.
     * @return the length of its key id in bytes.
     */
    public int approvalKeyIdLength(final int index)
    {
        assert index >= 0 && index < approvalCount : "index=" + index + ", approvalCount=" + approvalCount;
        return approvalKeyIdLengths[index];
    }

    /**
     * Copy an approval's key id and signature out, without allocating: for encoders.
     *
     * @param index     of an approval, below {@link #approvalCount}.
     * @param keyId     receives the key id's bytes at 0 ({@link #KEY_ID_LENGTH_MAX} bytes of room).
     * @param signature receives the signature at 0 ({@link #SIGNATURE_LENGTH} bytes of room).
     * @return the key id's length.
     */
    public int copyApproval(final int index, final byte[] keyId, final byte[] signature)
    {
        assert index >= 0 && index < approvalCount : "index=" + index + ", approvalCount=" + approvalCount;
        final int length = approvalKeyIdLengths[index];
        System.arraycopy(approvalKeyIds, index * KEY_ID_LENGTH_MAX, keyId, 0, length);
        System.arraycopy(approvalSignatures, index * SIGNATURE_LENGTH, signature, 0, SIGNATURE_LENGTH);
        return length;
    }

    /**
     * @param index of an approval, below {@link #approvalCount}.
     * @return its key id (allocates: not for the apply path).
     */
    public String approvalKeyId(final int index)
    {
        assert index >= 0 && index < approvalCount : "index=" + index + ", approvalCount=" + approvalCount;
        return new String(approvalKeyIds, index * KEY_ID_LENGTH_MAX, approvalKeyIdLengths[index],
            StandardCharsets.UTF_8);
    }

    /**
     * @param index of an approval, below {@link #approvalCount}.
     * @return a copy of its signature (allocates: not for the apply path).
     */
    public byte[] approvalSignature(final int index)
    {
        assert index >= 0 && index < approvalCount : "index=" + index + ", approvalCount=" + approvalCount;
        return Arrays.copyOfRange(approvalSignatures, index * SIGNATURE_LENGTH, (index + 1) * SIGNATURE_LENGTH);
    }

    /**
     * Set the chain reference from a string; one longer than {@link #CHAIN_REF_LENGTH_MAX} bytes is marked too long.
     *
     * @param value the chain reference.
     * @return this for a fluent style.
     */
    public Command chainRef(final String value)
    {
        chainRefLength = copyUtf8(value, chainRef);
        return this;
    }

    /**
     * @return the chain reference as a string (allocates: not for the apply path).
     */
    public String chainRefString()
    {
        return new String(chainRef, 0, Math.min(chainRefLength, CHAIN_REF_LENGTH_MAX), StandardCharsets.UTF_8);
    }

    /**
     * Set the memo from a string; one longer than {@link #MEMO_LENGTH_MAX} bytes is marked too long.
     *
     * @param value the memo.
     * @return this for a fluent style.
     */
    public Command memo(final String value)
    {
        memoLength = copyUtf8(value, memo);
        return this;
    }

    /**
     * @return the memo as a string (allocates: not for the apply path).
     */
    public String memoString()
    {
        return new String(memo, 0, Math.min(memoLength, MEMO_LENGTH_MAX), StandardCharsets.UTF_8);
    }

    /**
     * Set the settings of a {@link CommandType#CONFIGURE} command, in the text form of {@link Rules}.
     *
     * @param text the settings.
     * @return this for a fluent style.
     * @throws IllegalArgumentException when they are longer than {@link Rules#CHANGE_LENGTH_MAX} bytes of UTF-8.
     */
    public Command settings(final String text)
    {
        final byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > Rules.CHANGE_LENGTH_MAX)
        {
            throw new IllegalArgumentException("settings too long: " + bytes.length + " bytes of UTF-8, max=" +
                Rules.CHANGE_LENGTH_MAX);
        }
        System.arraycopy(bytes, 0, settingsBuffer(), 0, bytes.length);
        settingsLength = bytes.length;
        return this;
    }

    /**
     * @return the settings' length in bytes; 0 when the command carries none.
     */
    public int settingsLength()
    {
        return settingsLength;
    }

    /**
     * @return the settings as text (allocates: not for the apply path); empty when none.
     */
    public String settingsString()
    {
        return settingsLength == 0 ? "" : new String(settings, 0, settingsLength, StandardCharsets.UTF_8);
    }

    /**
     * The holder's settings bytes, to decode into: allocated, {@link Rules#CHANGE_LENGTH_MAX} long, the first time.
     *
     * @return the array; the first {@link #settingsLength()} bytes are the settings.
     */
    public byte[] settingsBuffer()
    {
        if (batch == null)
        {
            throw new IllegalStateException("an inner command carries no settings");
        }
        if (settings == null)
        {
            settings = new byte[Rules.CHANGE_LENGTH_MAX];
        }
        return settings;
    }

    /**
     * @param length how many bytes of {@link #settingsBuffer()} are the settings.
     */
    public void settingsLength(final int length)
    {
        settingsLength = length;
    }

    /**
     * Add a per-asset credit limit for {@link CommandType#OPEN_ACCOUNT} of a credit line.
     *
     * @param assetId the asset.
     * @param limit   how far below zero the position may go, in minor units.
     * @return false when {@link #CREDIT_LIMITS_MAX} limits are already there.
     */
    public boolean addCreditLimit(final int assetId, final long limit)
    {
        if (creditLimitCount == CREDIT_LIMITS_MAX)
        {
            return false;
        }
        creditLimitAssetIds[creditLimitCount] = assetId;
        creditLimits[creditLimitCount] = limit;
        creditLimitCount++;
        return true;
    }

    /**
     * Check the fields that size this command's variable parts. They are public, so a caller can set values the
     * command cannot hold; such a command must be refused before anything walks, copies or encodes it.
     *
     * @return {@code null} when every length and count is in range, else the reason to refuse it:
     *     {@link Reason#BATCH_TOO_LARGE}, {@link Reason#BATCH_MUST_NOT_BE_NESTED} or {@link Reason#MALFORMED_COMMAND}.
     */
    public Reason checkShape()
    {
        if (batchCount < 0 || (batchCount > 0 && batch == null))
        {
            return Reason.MALFORMED_COMMAND;
        }
        if (batchCount > BATCH_COMMANDS_MAX)
        {
            return Reason.BATCH_TOO_LARGE;
        }
        final Reason own = checkOwnShape();
        if (own != null)
        {
            return own;
        }
        for (int i = 0; i < batchCount; i++)
        {
            final Command inner = batch[i];
            if (inner.batchCount != 0)
            {
                return Reason.BATCH_MUST_NOT_BE_NESTED;
            }
            final Reason innerShape = inner.checkOwnShape();
            if (innerShape != null)
            {
                return innerShape;
            }
        }
        return null;
    }

    private Reason checkOwnShape()
    {
        if (chainRefLength < 0 || memoLength < 0 || creditLimitCount < 0 || creditLimitCount > CREDIT_LIMITS_MAX)
        {
            return Reason.MALFORMED_COMMAND;
        }
        if (settingsLength < 0 || settingsLength > Rules.CHANGE_LENGTH_MAX ||
            (settingsLength > 0 && (settings == null || type != CommandType.CONFIGURE)))
        {
            return Reason.MALFORMED_COMMAND;
        }
        final int approvalsMax = approvalKeyIds == null ? 0 : APPROVALS_MAX;
        if (approvalCount < 0 || approvalCount > approvalsMax || approvalsVerified < 0 ||
            approvalsVerified > approvalCount || expiresAtMs < 0 || submittedAtMs < 0 ||
            ApprovalFault.fromCode(approvalFault) == null)
        {
            return Reason.MALFORMED_COMMAND;
        }
        for (int i = 0; i < approvalCount; i++)
        {
            final int length = approvalKeyIdLengths[i];
            if (length <= 0 || length > KEY_ID_LENGTH_MAX)
            {
                return Reason.MALFORMED_COMMAND;
            }
        }
        return null;
    }

    /**
     * Copy every field of another command into this one, inner commands included, without allocating.
     *
     * @param source the command to copy.
     */
    public void copyFrom(final Command source)
    {
        seq = source.seq;
        timestampNs = source.timestampNs;
        submittedAtMs = source.submittedAtMs;
        type = source.type;
        txId = source.txId;
        accountId = source.accountId;
        debitAccountId = source.debitAccountId;
        creditAccountId = source.creditAccountId;
        assetId = source.assetId;
        walletId = source.walletId;
        toWalletId = source.toWalletId;
        holdId = source.holdId;
        amount = source.amount;
        reversedTxId = source.reversedTxId;
        accountKind = source.accountKind;
        chainRefLength = source.chainRefLength;
        System.arraycopy(source.chainRef, 0, chainRef, 0, Math.min(chainRefLength, CHAIN_REF_LENGTH_MAX));
        memoLength = source.memoLength;
        System.arraycopy(source.memo, 0, memo, 0, Math.min(memoLength, MEMO_LENGTH_MAX));
        creditLimitCount = source.creditLimitCount;
        System.arraycopy(source.creditLimitAssetIds, 0, creditLimitAssetIds, 0, creditLimitCount);
        System.arraycopy(source.creditLimits, 0, creditLimits, 0, creditLimitCount);
        if (source.batchCount > 0 && batch == null)
        {
            throw new IllegalStateException("cannot copy a batch into an inner command");
        }
        if (source.approvalCount > 0 && approvalKeyIds == null)
        {
            throw new IllegalStateException("cannot copy approvals into an inner command");
        }
        expiresAtMs = source.expiresAtMs;
        approversSeq = source.approversSeq;
        if (source.settingsLength > 0)
        {
            if (batch == null)
            {
                throw new IllegalStateException("cannot copy settings into an inner command");
            }
            System.arraycopy(source.settings, 0, settingsBuffer(), 0, source.settingsLength);
        }
        settingsLength = source.settingsLength;
        approvalsVerified = source.approvalsVerified;
        approvalFault = source.approvalFault;
        final int approvals = Math.min(Math.max(source.approvalCount, 0), approvalKeyIds == null ? 0 : APPROVALS_MAX);
        if (approvals > 0)
        {
            System.arraycopy(source.approvalKeyIds, 0, approvalKeyIds, 0, approvals * KEY_ID_LENGTH_MAX);
            System.arraycopy(source.approvalKeyIdLengths, 0, approvalKeyIdLengths, 0, approvals);
            System.arraycopy(source.approvalSignatures, 0, approvalSignatures, 0, approvals * SIGNATURE_LENGTH);
        }
        approvalCount = approvals;
        if (source.clientIdLength > 0 && clientId == null)
        {
            throw new IllegalStateException("cannot copy a client id into an inner command");
        }
        clientIdLength = source.clientIdLength;
        if (clientIdLength > 0)
        {
            System.arraycopy(source.clientId, 0, clientId, 0, clientIdLength);
        }
        for (int i = batchCount; i > source.batchCount; i--)
        {
            batch[i - 1].reset();
        }
        batchCount = source.batchCount;
        for (int i = 0; i < batchCount; i++)
        {
            batch[i].copyFrom(source.batch[i]);
        }
    }

    /**
     * A 64-bit digest of the command's fields, sequencing and approvals aside ({@link #seq}, {@link #timestampNs},
     * {@link #expiresAtMs} and the approvals are not part of it): two submissions of the same command have the same
     * fingerprint (invariant I6).
     *
     * @return the fingerprint.
     */
    public long fingerprint()
    {
        long h = 0xcbf29ce484222325L;
        h = mix(h, type == null ? 0 : type.code());
        h = mix(h, txId);
        h = mix(h, accountId);
        h = mix(h, debitAccountId);
        h = mix(h, creditAccountId);
        h = mix(h, assetId);
        h = mix(h, walletId);
        h = mix(h, toWalletId);
        h = mix(h, holdId);
        h = mix(h, amount);
        h = mix(h, reversedTxId);
        h = mix(h, accountKind == null ? 0 : accountKind.code());
        h = mix(h, chainRefLength);
        for (int i = 0, n = Math.min(chainRefLength, CHAIN_REF_LENGTH_MAX); i < n; i++)
        {
            h = (h ^ chainRef[i]) * FNV_PRIME;
        }
        h = mix(h, memoLength);
        for (int i = 0, n = Math.min(memoLength, MEMO_LENGTH_MAX); i < n; i++)
        {
            h = (h ^ memo[i]) * FNV_PRIME;
        }
        h = mix(h, creditLimitCount);
        for (int i = 0; i < creditLimitCount; i++)
        {
            h = mix(h, creditLimitAssetIds[i]);
            h = mix(h, creditLimits[i]);
        }
        h = mix(h, batchCount);
        for (int i = 0; i < batchCount; i++)
        {
            h = mix(h, batch[i].fingerprint());
        }
        // Only when present, so that the fingerprints journals recorded before rule changes existed stay the same.
        if (settingsLength > 0)
        {
            h = mix(h, settingsLength);
            for (int i = 0; i < settingsLength; i++)
            {
                h = (h ^ settings[i]) * FNV_PRIME;
            }
        }
        return h;
    }

    private static long mix(final long hash, final long value)
    {
        // A multiply-xorshift round per word (as in SplitMix64) so that every input bit reaches every output bit.
        long z = (hash ^ value) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 31)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 29);
    }

    private static int copyUtf8(final String value, final byte[] target)
    {
        final byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(bytes, 0, target, 0, Math.min(bytes.length, target.length));
        if (bytes.length < target.length)
        {
            Arrays.fill(target, bytes.length, target.length, (byte)0);
        }
        return bytes.length;
    }

    @Override
    public String toString()
    {
        final StringBuilder sb = new StringBuilder(128);
        sb.append(type).append(" txId=").append(txId);
        if (seq != 0)
        {
            sb.append(" seq=").append(seq);
        }
        appendIfSet(sb, "accountId", accountId);
        appendIfSet(sb, "debitAccountId", debitAccountId);
        appendIfSet(sb, "creditAccountId", creditAccountId);
        appendIfSet(sb, "assetId", assetId);
        appendIfSet(sb, "walletId", walletId);
        appendIfSet(sb, "toWalletId", toWalletId);
        appendIfSet(sb, "holdId", holdId);
        appendIfSet(sb, "amount", amount);
        appendIfSet(sb, "reversedTxId", reversedTxId);
        if (accountKind != null)
        {
            sb.append(" kind=").append(accountKind);
        }
        if (chainRefLength > 0)
        {
            sb.append(" chainRef=").append(chainRefString());
        }
        appendIfSet(sb, "submittedAtMs", submittedAtMs);
        if (settingsLength > 0)
        {
            sb.append(" settings=[").append(settingsString().strip().replace('\n', ' ')).append(']');
        }
        if (approvalCount > 0 || expiresAtMs != 0)
        {
            sb.append(" approvals=").append(approvalsVerified).append('/').append(approvalCount);
            appendIfSet(sb, "expiresAtMs", expiresAtMs);
        }
        for (int i = 0; i < batchCount; i++)
        {
            sb.append(i == 0 ? " [" : ", ").append(batch[i]);
            if (i == batchCount - 1)
            {
                sb.append(']');
            }
        }
        return sb.toString();
    }

    private static void appendIfSet(final StringBuilder sb, final String name, final long value)
    {
        if (value != 0)
        {
            sb.append(' ').append(name).append('=').append(value);
        }
    }
}
