package io.ledgerguard.core;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * The binary form of a sequenced {@link Command}, as journals store it. Little-endian, fixed header then the
 * variable parts; inner commands of a batch follow, each in the same form. Encoding allocates nothing.
 * <pre>
 *   0       4       5        6          7       8      16             24     32          40          48
 *   +-------+-------+--------+----------+-------+------+--------------+------+-----------+-----------+
 *   |length |version| type   | kind     |counts | seq  | timestampNs  | txId | accountId | debitAcct |
 *   +-------+-------+--------+----------+-------+------+--------------+------+-----------+-----------+
 *   48           56         64       72       80             88        92              96         100
 *   +------------+----------+--------+--------+--------------+---------+---------------+----------+
 *   | creditAcct | walletId | holdId | amount | reversedTxId | assetId | chainRefLength| memoLength|
 *   +------------+----------+--------+--------+--------------+---------+---------------+----------+
 *   100          104           112             113                 114             115        116          124
 *   +------------+-------------+---------------+-------------------+---------------+----------+------------+
 *   | batchCount | expiresAtMs | approvalCount | approvalsVerified | approvalFault | clientIdLen| toWalletId |
 *   +------------+-------------+---------------+-------------------+---------------+------------+------------+
 *   124             132
 *   +---------------+
 *   | submittedAtMs |  (version 3; a version 2 header ends at 124 and decodes with submittedAtMs 0)
 *   +---------------+
 *   then: chain reference bytes, memo bytes, credit limits (assetId int, limit long), approvals (key id length
 *   byte, key id bytes, 64 signature bytes), the client id's bytes (version 4), inner commands.
 * </pre>
 * Version 5 is written only for a command that carries settings or an approvers stamp (SPEC §13): after the client
 * id's bytes come {@code approversSeq} (long) and the settings' length (short) and bytes; every other command is still
 * written as version 4, so that a journal without rule changes reads as before.
 * Version 4 names the client that sent the command (SPEC §12): its length in the byte versions 2 and 3 reserved
 * and wrote as 0, its bytes after the approvals; so an entry of version 2 or 3 decodes as one that names no client.
 {@code counts} is the number of credit limits; the number of inner commands is at {@link #BATCH_COUNT_OFFSET}.
 * Lengths above a maximum mark a value that did not fit, exactly as in {@link Command}; only the bytes that fit are
 * stored.
 */
public final class CommandCodec
{
    /** Version of this layout; a journal records it so that an incompatible one is refused. */
    public static final byte VERSION = 4;
    /** Version 4 with the rule-change tail: written for commands with settings or an approvers stamp only. */
    public static final byte VERSION_RULES = 5;
    /** The layout before client ids: journals written with it still decode, and may be continued. */
    public static final byte VERSION_3 = 3;
    /** The previous layout, without {@code submittedAtMs}: journals written with it still decode. */
    public static final byte VERSION_2 = 2;

    public static final int LENGTH_OFFSET = 0;
    public static final int VERSION_OFFSET = 4;
    public static final int TYPE_OFFSET = 5;
    public static final int KIND_OFFSET = 6;
    /** Number of credit limits, 0..{@link Command#CREDIT_LIMITS_MAX}. */
    public static final int COUNTS_OFFSET = 7;
    public static final int SEQ_OFFSET = 8;
    public static final int TIMESTAMP_OFFSET = 16;
    public static final int TX_ID_OFFSET = 24;
    public static final int ACCOUNT_ID_OFFSET = 32;
    public static final int DEBIT_ACCOUNT_ID_OFFSET = 40;
    public static final int CREDIT_ACCOUNT_ID_OFFSET = 48;
    public static final int WALLET_ID_OFFSET = 56;
    public static final int HOLD_ID_OFFSET = 64;
    public static final int AMOUNT_OFFSET = 72;
    public static final int REVERSED_TX_ID_OFFSET = 80;
    public static final int ASSET_ID_OFFSET = 88;
    public static final int CHAIN_REF_LENGTH_OFFSET = 92;
    public static final int MEMO_LENGTH_OFFSET = 96;
    public static final int BATCH_COUNT_OFFSET = 100;
    public static final int EXPIRES_AT_OFFSET = 104;
    public static final int APPROVAL_COUNT_OFFSET = 112;
    public static final int APPROVALS_VERIFIED_OFFSET = 113;
    public static final int APPROVAL_FAULT_OFFSET = 114;
    public static final int CLIENT_ID_LENGTH_OFFSET = 115;
    public static final int TO_WALLET_ID_OFFSET = 116;
    public static final int SUBMITTED_AT_OFFSET = 124;
    public static final int HEADER_LENGTH = 132;
    private static final int HEADER_LENGTH_2 = 124;

    private static final int APPROVAL_LENGTH_MAX = 1 + Command.KEY_ID_LENGTH_MAX + Command.SIGNATURE_LENGTH;

    /** Longest encoding of any command: a full batch of inner commands with the longest fields. */
    public static final int ENCODED_LENGTH_MAX = (1 + Command.BATCH_COMMANDS_MAX) *
        (HEADER_LENGTH + Command.CHAIN_REF_LENGTH_MAX + Command.MEMO_LENGTH_MAX + Command.CREDIT_LIMITS_MAX * 12) +
        Command.APPROVALS_MAX * APPROVAL_LENGTH_MAX + Command.CLIENT_ID_LENGTH_MAX + 8 + 2 + Rules.CHANGE_LENGTH_MAX;

    private CommandCodec()
    {
    }

    /**
     * Encode a command; the buffer must have {@link #ENCODED_LENGTH_MAX} bytes free at the offset.
     *
     * @param command the command.
     * @param buffer  to write to.
     * @param offset  where to start.
     * @return bytes written.
     */
    public static int encode(final Command command, final MutableDirectBuffer buffer, final int offset)
    {
        final boolean rules = command.settingsLength() > 0 || command.approversSeq != 0;
        buffer.putByte(offset + VERSION_OFFSET, rules ? VERSION_RULES : VERSION);
        buffer.putByte(offset + TYPE_OFFSET, (byte)(command.type == null ? 0 : command.type.code()));
        buffer.putByte(offset + KIND_OFFSET, (byte)(command.accountKind == null ? 0 : command.accountKind.code()));
        buffer.putByte(offset + COUNTS_OFFSET, (byte)command.creditLimitCount);
        buffer.putLong(offset + SEQ_OFFSET, command.seq);
        buffer.putLong(offset + TIMESTAMP_OFFSET, command.timestampNs);
        buffer.putLong(offset + TX_ID_OFFSET, command.txId);
        buffer.putLong(offset + ACCOUNT_ID_OFFSET, command.accountId);
        buffer.putLong(offset + DEBIT_ACCOUNT_ID_OFFSET, command.debitAccountId);
        buffer.putLong(offset + CREDIT_ACCOUNT_ID_OFFSET, command.creditAccountId);
        buffer.putLong(offset + WALLET_ID_OFFSET, command.walletId);
        buffer.putLong(offset + HOLD_ID_OFFSET, command.holdId);
        buffer.putLong(offset + AMOUNT_OFFSET, command.amount);
        buffer.putLong(offset + REVERSED_TX_ID_OFFSET, command.reversedTxId);
        buffer.putInt(offset + ASSET_ID_OFFSET, command.assetId);
        buffer.putInt(offset + CHAIN_REF_LENGTH_OFFSET, command.chainRefLength);
        buffer.putInt(offset + MEMO_LENGTH_OFFSET, command.memoLength);
        buffer.putInt(offset + BATCH_COUNT_OFFSET, command.batchCount);
        buffer.putLong(offset + EXPIRES_AT_OFFSET, command.expiresAtMs);
        buffer.putByte(offset + APPROVAL_COUNT_OFFSET, (byte)command.approvalCount);
        buffer.putByte(offset + APPROVALS_VERIFIED_OFFSET, (byte)command.approvalsVerified);
        buffer.putByte(offset + APPROVAL_FAULT_OFFSET, (byte)command.approvalFault);
        buffer.putByte(offset + CLIENT_ID_LENGTH_OFFSET, (byte)command.clientIdLength());
        buffer.putLong(offset + TO_WALLET_ID_OFFSET, command.toWalletId);
        buffer.putLong(offset + SUBMITTED_AT_OFFSET, command.submittedAtMs);
        int position = offset + HEADER_LENGTH;
        final int chainRefBytes = Math.min(command.chainRefLength, Command.CHAIN_REF_LENGTH_MAX);
        buffer.putBytes(position, command.chainRef, 0, chainRefBytes);
        position += chainRefBytes;
        final int memoBytes = Math.min(command.memoLength, Command.MEMO_LENGTH_MAX);
        buffer.putBytes(position, command.memo, 0, memoBytes);
        position += memoBytes;
        for (int i = 0; i < command.creditLimitCount; i++)
        {
            buffer.putInt(position, command.creditLimitAssetIds[i]);
            buffer.putLong(position + 4, command.creditLimits[i]);
            position += 12;
        }
        for (int i = 0; i < command.approvalCount; i++)
        {
            final int keyIdLength = command.approvalKeyIdLengths[i];
            buffer.putByte(position, (byte)keyIdLength);
            buffer.putBytes(position + 1, command.approvalKeyIds, i * Command.KEY_ID_LENGTH_MAX, keyIdLength);
            position += 1 + keyIdLength;
            buffer.putBytes(position, command.approvalSignatures, i * Command.SIGNATURE_LENGTH,
                Command.SIGNATURE_LENGTH);
            position += Command.SIGNATURE_LENGTH;
        }
        buffer.putBytes(position, command.clientIdBytes(), 0, command.clientIdLength());
        position += command.clientIdLength();
        if (rules)
        {
            buffer.putLong(position, command.approversSeq);
            buffer.putShort(position + 8, (short)command.settingsLength());
            position += 10;
            if (command.settingsLength() > 0)
            {
                buffer.putBytes(position, command.settingsBuffer(), 0, command.settingsLength());
                position += command.settingsLength();
            }
        }
        for (int i = 0; i < command.batchCount; i++)
        {
            position += encode(command.inner(i), buffer, position);
        }
        final int length = position - offset;
        buffer.putInt(offset + LENGTH_OFFSET, length);
        return length;
    }

    /**
     * Decode a command into a holder, replacing everything in it.
     *
     * @param buffer  to read from.
     * @param offset  where the command starts.
     * @param command the holder to fill; a top-level command when the encoding holds a batch.
     * @return bytes read.
     * @throws IllegalArgumentException when the bytes are not a command of this version (a corrupt journal entry).
     */
    public static int decode(final DirectBuffer buffer, final int offset, final Command command)
    {
        final int length = buffer.getInt(offset + LENGTH_OFFSET);
        final byte version = buffer.getByte(offset + VERSION_OFFSET);
        if (version != VERSION && version != VERSION_RULES && version != VERSION_3 && version != VERSION_2)
        {
            throw new IllegalArgumentException("unsupported command encoding: version=" + version + ", expected=" +
                VERSION + ", " + VERSION_RULES + ", " + VERSION_3 + " or " + VERSION_2 + ", offset=" + offset);
        }
        final int headerLength = version == VERSION_2 ? HEADER_LENGTH_2 : HEADER_LENGTH;
        if (length < headerLength || length > ENCODED_LENGTH_MAX)
        {
            throw new IllegalArgumentException("bad command length: length=" + length + ", offset=" + offset);
        }
        command.reset();
        final int typeCode = buffer.getByte(offset + TYPE_OFFSET);
        command.type = CommandType.fromCode(typeCode);
        final int kindCode = buffer.getByte(offset + KIND_OFFSET);
        command.accountKind = kindCode == 0 ? null : AccountKind.fromCode(kindCode);
        final int creditLimitCount = buffer.getByte(offset + COUNTS_OFFSET);
        command.seq = buffer.getLong(offset + SEQ_OFFSET);
        command.timestampNs = buffer.getLong(offset + TIMESTAMP_OFFSET);
        command.txId = buffer.getLong(offset + TX_ID_OFFSET);
        command.accountId = buffer.getLong(offset + ACCOUNT_ID_OFFSET);
        command.debitAccountId = buffer.getLong(offset + DEBIT_ACCOUNT_ID_OFFSET);
        command.creditAccountId = buffer.getLong(offset + CREDIT_ACCOUNT_ID_OFFSET);
        command.walletId = buffer.getLong(offset + WALLET_ID_OFFSET);
        command.holdId = buffer.getLong(offset + HOLD_ID_OFFSET);
        command.amount = buffer.getLong(offset + AMOUNT_OFFSET);
        command.reversedTxId = buffer.getLong(offset + REVERSED_TX_ID_OFFSET);
        command.assetId = buffer.getInt(offset + ASSET_ID_OFFSET);
        command.chainRefLength = buffer.getInt(offset + CHAIN_REF_LENGTH_OFFSET);
        command.memoLength = buffer.getInt(offset + MEMO_LENGTH_OFFSET);
        final int batchCount = buffer.getInt(offset + BATCH_COUNT_OFFSET);
        command.expiresAtMs = buffer.getLong(offset + EXPIRES_AT_OFFSET);
        final int approvalCount = buffer.getByte(offset + APPROVAL_COUNT_OFFSET);
        command.approvalsVerified = buffer.getByte(offset + APPROVALS_VERIFIED_OFFSET);
        command.approvalFault = buffer.getByte(offset + APPROVAL_FAULT_OFFSET);
        command.toWalletId = buffer.getLong(offset + TO_WALLET_ID_OFFSET);
        command.submittedAtMs = version == VERSION_2 ? 0 : buffer.getLong(offset + SUBMITTED_AT_OFFSET);
        final int clientIdLength = buffer.getByte(offset + CLIENT_ID_LENGTH_OFFSET);
        if (approvalCount < 0 || approvalCount > (command.canHoldBatch() ? Command.APPROVALS_MAX : 0))
        {
            throw new IllegalArgumentException("corrupt command encoding: offset=" + offset + ", approvalCount=" +
                approvalCount);
        }
        if (clientIdLength < 0 || clientIdLength > (command.canHoldBatch() ? Command.CLIENT_ID_LENGTH_MAX : 0) ||
            creditLimitCount < 0 || creditLimitCount > Command.CREDIT_LIMITS_MAX ||
            batchCount < 0 || batchCount > Command.BATCH_COMMANDS_MAX || command.chainRefLength < 0 ||
            command.memoLength < 0 || (batchCount > 0 && !command.canHoldBatch()))
        {
            throw new IllegalArgumentException("corrupt command encoding: offset=" + offset + ", creditLimitCount=" +
                creditLimitCount + ", batchCount=" + batchCount + ", clientIdLength=" + clientIdLength);
        }
        int position = offset + headerLength;
        final int chainRefBytes = Math.min(command.chainRefLength, Command.CHAIN_REF_LENGTH_MAX);
        buffer.getBytes(position, command.chainRef, 0, chainRefBytes);
        position += chainRefBytes;
        final int memoBytes = Math.min(command.memoLength, Command.MEMO_LENGTH_MAX);
        buffer.getBytes(position, command.memo, 0, memoBytes);
        position += memoBytes;
        for (int i = 0; i < creditLimitCount; i++)
        {
            command.addCreditLimit(buffer.getInt(position), buffer.getLong(position + 4));
            position += 12;
        }
        for (int i = 0; i < approvalCount; i++)
        {
            final int keyIdLength = buffer.getByte(position);
            if (keyIdLength <= 0 || keyIdLength > Command.KEY_ID_LENGTH_MAX)
            {
                throw new IllegalArgumentException("corrupt command encoding: offset=" + offset + ", approval=" + i +
                    ", keyIdLength=" + keyIdLength);
            }
            buffer.getBytes(position + 1, command.approvalKeyIds, i * Command.KEY_ID_LENGTH_MAX, keyIdLength);
            command.approvalKeyIdLengths[i] = keyIdLength;
            position += 1 + keyIdLength;
            buffer.getBytes(position, command.approvalSignatures, i * Command.SIGNATURE_LENGTH,
                Command.SIGNATURE_LENGTH);
            position += Command.SIGNATURE_LENGTH;
        }
        command.approvalCount = approvalCount;
        if (clientIdLength > 0)
        {
            command.clientIdFrom(buffer, position, clientIdLength);
            position += clientIdLength;
        }
        position = version == VERSION_RULES ? decodeRules(buffer, offset, position, command) : position;
        for (int i = 0; i < batchCount; i++)
        {
            position += decode(buffer, position, command.addInner());
        }
        if (position - offset != length)
        {
            throw new IllegalArgumentException("corrupt command encoding: offset=" + offset + ", length=" + length +
                ", decoded=" + (position - offset));
        }
        return length;
    }

    private static int decodeRules(final DirectBuffer buffer, final int offset, final int from, final Command command)
    {
        final int settingsLength = buffer.getShort(from + 8) & 0xFFFF;
        if (!command.canHoldBatch() || settingsLength > Rules.CHANGE_LENGTH_MAX)
        {
            throw new IllegalArgumentException("corrupt command encoding: offset=" + offset +
                ", settingsLength=" + settingsLength + (command.canHoldBatch() ? "" : " in an inner command"));
        }
        command.approversSeq = buffer.getLong(from);
        int position = from + 10;
        if (settingsLength > 0)
        {
            buffer.getBytes(position, command.settingsBuffer(), 0, settingsLength);
            position += settingsLength;
        }
        command.settingsLength(settingsLength);
        return position;
    }
}
