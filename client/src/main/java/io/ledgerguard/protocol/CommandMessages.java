package io.ledgerguard.protocol;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import io.ledgerguard.core.AccountKind;
import io.ledgerguard.core.Command;
import io.ledgerguard.core.CommandType;
import io.ledgerguard.core.Rules;
import io.ledgerguard.protocol.sbe.AccountKindCode;
import io.ledgerguard.protocol.sbe.CommandKind;
import io.ledgerguard.protocol.sbe.CommandRequestDecoder;
import io.ledgerguard.protocol.sbe.CommandRequestEncoder;
import io.ledgerguard.protocol.sbe.MessageHeaderDecoder;
import io.ledgerguard.protocol.sbe.MessageHeaderEncoder;

/**
 * A {@link Command} to and from the protocol's {@code CommandRequest} message (SBE header included), without
 * allocating. Every field of every command travels, but for the credit limits of an inner command of a batch
 * (opening a credit line inside a batch), and a chain reference or memo longer than the protocol carries:
 * {@link #representable(Command)} says whether a command can be sent, and one that cannot is refused, never cut.
 * Decoding trusts nothing: every read stays inside the frame, every count and length is checked against what a
 * command holds (the limits of docs/protocol.md), and a message that does not fit is a {@link ProtocolException}
 * naming the field and the limit, never another exception. Not thread-safe: one instance per I/O thread.
 */
public final class CommandMessages
{
    private static final byte[] NO_BYTES = new byte[0];
    private static final CommandType[] TYPES_BY_KIND = new CommandType[CommandKind.values().length + 32];

    static
    {
        for (final CommandType type : CommandType.values())
        {
            TYPES_BY_KIND[type.code()] = type;
        }
    }

    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
    private final CommandRequestEncoder encoder = new CommandRequestEncoder();
    private final CommandRequestDecoder decoder = new CommandRequestDecoder();
    private final UnsafeBuffer frame = new UnsafeBuffer(0, 0);
    private final byte[] keyId = new byte[Command.KEY_ID_LENGTH_MAX];
    private final byte[] signature = new byte[Command.SIGNATURE_LENGTH];
    private long atMs;
    private int lastLength;

    /**
     * Encode a command as a {@code CommandRequest}, header first.
     *
     * @param correlationId the client's id for the request, echoed in its response.
     * @param command       a command whose shape {@link Command#checkShape()} accepts.
     * @param atMs          the command's time, epoch milliseconds; 0 to take the server's clock.
     * @param buffer        to write to, with room for the message.
     * @param offset        where to start.
     * @return bytes written.
     * @throws IllegalArgumentException when the command cannot travel whole ({@link #representable(Command)}): a
     *                                  field beyond the protocol's limit is refused, never cut to fit.
     */
    public int encode(
        final long correlationId, final Command command, final long atMs, final MutableDirectBuffer buffer,
        final int offset)
    {
        assert command.checkShape() == null : "malformed command: " + command;
        final String unrepresentable = unrepresentable(command);
        if (unrepresentable != null)
        {
            // Cut to fit, a memo the guard would refuse as too long would reach it short enough to pass.
            throw new IllegalArgumentException("the command cannot be sent: " + unrepresentable + ": " + command);
        }
        encoder.wrapAndApplyHeader(buffer, offset, headerEncoder)
            .correlationId(correlationId)
            .kind(kindOf(command.type))
            .accountKind(accountKindOf(command.accountKind))
            .txId(command.txId)
            .atMs(atMs)
            .accountId(command.accountId)
            .debitAccountId(command.debitAccountId)
            .creditAccountId(command.creditAccountId)
            .assetId(command.assetId)
            .walletId(command.walletId)
            .toWalletId(command.toWalletId)
            .holdId(command.holdId)
            .amount(command.amount)
            .reversedTxId(command.reversedTxId)
            .expiresAtMs(command.expiresAtMs);
        final CommandRequestEncoder.CreditLimitsEncoder limits = encoder.creditLimitsCount(command.creditLimitCount);
        for (int i = 0; i < command.creditLimitCount; i++)
        {
            limits.next().assetId(command.creditLimitAssetIds[i]).limit(command.creditLimits[i]);
        }
        final CommandRequestEncoder.ApprovalsEncoder approvals = encoder.approvalsCount(command.approvalCount);
        for (int i = 0; i < command.approvalCount; i++)
        {
            final int keyIdLength = command.copyApproval(i, keyId, signature);
            approvals.next().putSignature(signature, 0, Command.SIGNATURE_LENGTH).putKeyId(keyId, 0, keyIdLength);
        }
        final int innerCount = command.canHoldBatch() ? command.batchCount : 0;
        final CommandRequestEncoder.InnerEncoder inner = encoder.innerCount(innerCount);
        for (int i = 0; i < innerCount; i++)
        {
            final Command c = command.inner(i);
            inner.next()
                .kind(kindOf(c.type))
                .txId(c.txId)
                .accountId(c.accountId)
                .debitAccountId(c.debitAccountId)
                .creditAccountId(c.creditAccountId)
                .assetId(c.assetId)
                .walletId(c.walletId)
                .toWalletId(c.toWalletId)
                .holdId(c.holdId)
                .amount(c.amount)
                .reversedTxId(c.reversedTxId)
                .accountKind(accountKindOf(c.accountKind))
                .putChainRef(c.chainRef, 0, c.chainRefLength)
                .putMemo(c.memo, 0, c.memoLength);
        }
        encoder.putChainRef(command.chainRef, 0, command.chainRefLength);
        encoder.putMemo(command.memo, 0, command.memoLength);
        final int settingsLength = command.canHoldBatch() ? command.settingsLength() : 0;
        encoder.putSettings(settingsLength > 0 ? command.settingsBuffer() : NO_BYTES, 0, settingsLength);
        return MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength();
    }

    /**
     * @param command a command.
     * @return false when it cannot travel whole: an inner command of its batch carries credit limits, or a chain
     *     reference or memo, its own or an inner command's, is longer than {@link Command#CHAIN_REF_LENGTH_MAX} or
     *     {@link Command#MEMO_LENGTH_MAX} bytes.
     */
    public static boolean representable(final Command command)
    {
        return unrepresentable(command) == null;
    }

    /**
     * @return null when the command can travel whole, else what cannot, naming the field and its limit; allocates
     * only then.
     */
    private static String unrepresentable(final Command command)
    {
        final String own = overLength(command, "");
        if (own != null)
        {
            return own;
        }
        for (int i = 0, n = command.canHoldBatch() ? command.batchCount : 0; i < n; i++)
        {
            final Command inner = command.inner(i);
            if (inner.creditLimitCount > 0)
            {
                return "field 'inner.creditLimits': " + inner.creditLimitCount + " on inner command " + i +
                    "; an inner command carries none";
            }
            final String innerProblem = overLength(inner, "inner.");
            if (innerProblem != null)
            {
                return innerProblem + " (inner command " + i + ")";
            }
        }
        return null;
    }

    private static String overLength(final Command command, final String prefix)
    {
        if (command.chainRefLength > Command.CHAIN_REF_LENGTH_MAX)
        {
            return "field '" + prefix + "chainRef': length " + command.chainRefLength + " above " +
                Command.CHAIN_REF_LENGTH_MAX;
        }
        if (command.memoLength > Command.MEMO_LENGTH_MAX)
        {
            return "field '" + prefix + "memo': length " + command.memoLength + " above " + Command.MEMO_LENGTH_MAX;
        }
        return null;
    }

    /**
     * Decode a frame holding exactly one {@code CommandRequest} into a command, which is reset first.
     *
     * @param buffer  holding the message, header first.
     * @param offset  where it starts.
     * @param length  the frame's length: the message must end exactly there.
     * @param command filled in; undefined when the message is refused.
     * @return the request's correlation id.
     * @throws ProtocolException naming the field when the message cannot be taken.
     * @see #decodeNext(DirectBuffer, int, int, Command)
     */
    public long decode(final DirectBuffer buffer, final int offset, final int length, final Command command)
        throws ProtocolException
    {
        final long correlationId = decodeNext(buffer, offset, length, command);
        if (lastLength != length)
        {
            throw new ProtocolException(ProtocolException.TRAILING_BYTES, "frame of " + length + " bytes holds " +
                (length - lastLength) + " bytes after the message");
        }
        return correlationId;
    }

    /**
     * Decode the {@code CommandRequest} at the start of {@code length} bytes into a command, which is reset first: a
     * frame may hold several, back to back. Its {@link Command#seq} and {@link Command#timestampNs} are left for
     * sequencing; the message's {@code atMs} is {@link #atMs()} and its length {@link #lastLength()}.
     *
     * @param buffer  holding the message, header first.
     * @param offset  where it starts.
     * @param length  the bytes from {@code offset} to the end of the frame: the message must end within them.
     * @param command filled in; undefined when the message is refused.
     * @return the request's correlation id.
     * @throws ProtocolException naming the field when the message cannot be taken.
     */
    public long decodeNext(final DirectBuffer buffer, final int offset, final int length, final Command command)
        throws ProtocolException
    {
        if (length < MessageHeaderDecoder.ENCODED_LENGTH)
        {
            throw new ProtocolException(ProtocolException.TRUNCATED, "frame of " + length + " bytes is shorter than " +
                "the message header (" + MessageHeaderDecoder.ENCODED_LENGTH + ")");
        }
        frame.wrap(buffer, offset, length);
        headerDecoder.wrap(frame, 0);
        if (headerDecoder.schemaId() != CommandRequestDecoder.SCHEMA_ID ||
            headerDecoder.templateId() != CommandRequestDecoder.TEMPLATE_ID)
        {
            throw new ProtocolException(ProtocolException.UNKNOWN_MESSAGE, "header: schemaId=" +
                headerDecoder.schemaId() + ", templateId=" + headerDecoder.templateId() +
                ", expected a CommandRequest (schemaId=" + CommandRequestDecoder.SCHEMA_ID + ", templateId=" +
                CommandRequestDecoder.TEMPLATE_ID + ")");
        }
        final int blockLength = headerDecoder.blockLength();
        final int version = headerDecoder.version();
        if (blockLength < CommandRequestDecoder.BLOCK_LENGTH || version < 1 ||
            version > CommandRequestDecoder.SCHEMA_VERSION)
        {
            throw new ProtocolException(ProtocolException.UNKNOWN_MESSAGE, "header: blockLength=" + blockLength +
                ", version=" + version + ", expected blockLength>=" + CommandRequestDecoder.BLOCK_LENGTH +
                " and version 1.." + CommandRequestDecoder.SCHEMA_VERSION);
        }
        try
        {
            return decodeBody(blockLength, version, command);
        }
        catch (final IndexOutOfBoundsException ex)
        {
            throw new ProtocolException(ProtocolException.TRUNCATED, "frame of " + length + " bytes ends inside the " +
                "message (its counts or lengths point past it)");
        }
    }

    /**
     * @return the {@code atMs} of the last message decoded: its time, epoch milliseconds, or 0 for the server's clock.
     */
    public long atMs()
    {
        return atMs;
    }

    /**
     * @return the length in bytes, header included, of the last message decoded.
     */
    public int lastLength()
    {
        return lastLength;
    }

    private long decodeBody(final int blockLength, final int version, final Command command) throws ProtocolException
    {
        decoder.wrap(frame, MessageHeaderDecoder.ENCODED_LENGTH, blockLength, version);
        command.reset();
        final long correlationId = decoder.correlationId();
        command.type = typeOf(decoder.kindRaw(), "kind");
        command.accountKind = accountKindOf(decoder.accountKindRaw());
        command.txId = decoder.txId();
        atMs = decoder.atMs();
        command.accountId = decoder.accountId();
        command.debitAccountId = decoder.debitAccountId();
        command.creditAccountId = decoder.creditAccountId();
        command.assetId = decoder.assetId();
        command.walletId = decoder.walletId();
        command.toWalletId = decoder.toWalletId();
        command.holdId = decoder.holdId();
        command.amount = decoder.amount();
        command.reversedTxId = decoder.reversedTxId();
        command.expiresAtMs = decoder.expiresAtMs();
        if (command.expiresAtMs < 0)
        {
            throw invalid("expiresAtMs", "negative: " + command.expiresAtMs);
        }
        if (atMs < 0)
        {
            throw invalid("atMs", "negative: " + atMs);
        }

        final CommandRequestDecoder.CreditLimitsDecoder limits = decoder.creditLimits();
        entries("creditLimits", limits.count(), Command.CREDIT_LIMITS_MAX, limits.actingBlockLength(),
            CommandRequestDecoder.CreditLimitsDecoder.sbeBlockLength());
        while (limits.hasNext())
        {
            limits.next();
            command.addCreditLimit(limits.assetId(), limits.limit());
        }
        final CommandRequestDecoder.ApprovalsDecoder approvals = decoder.approvals();
        entries("approvals", approvals.count(), Command.APPROVALS_MAX, approvals.actingBlockLength(),
            CommandRequestDecoder.ApprovalsDecoder.sbeBlockLength());
        while (approvals.hasNext())
        {
            approvals.next();
            approvals.getSignature(signature, 0, Command.SIGNATURE_LENGTH);
            final int keyIdLength = approvals.keyIdLength();
            if (keyIdLength < 1 || keyIdLength > Command.KEY_ID_LENGTH_MAX)
            {
                throw invalid("approvals.keyId", "length " + keyIdLength + " outside 1.." + Command.KEY_ID_LENGTH_MAX);
            }
            approvals.getKeyId(keyId, 0, keyIdLength);
            command.addApproval(keyId, 0, keyIdLength, signature, 0);
        }
        final CommandRequestDecoder.InnerDecoder inner = decoder.inner();
        entries("inner", inner.count(), Command.BATCH_COMMANDS_MAX, inner.actingBlockLength(),
            CommandRequestDecoder.InnerDecoder.sbeBlockLength());
        if (inner.count() > 0 && command.type != CommandType.BATCH)
        {
            throw invalid("inner", "inner commands on a " + command.type + "; only a BATCH has them");
        }
        while (inner.hasNext())
        {
            inner.next();
            final Command c = command.addInner();
            c.type = typeOf(inner.kindRaw(), "inner.kind");
            c.txId = inner.txId();
            c.accountId = inner.accountId();
            c.debitAccountId = inner.debitAccountId();
            c.creditAccountId = inner.creditAccountId();
            c.assetId = inner.assetId();
            c.walletId = inner.walletId();
            c.toWalletId = inner.toWalletId();
            c.holdId = inner.holdId();
            c.amount = inner.amount();
            c.reversedTxId = inner.reversedTxId();
            c.accountKind = accountKindOf(inner.accountKindRaw());
            c.chainRefLength = bytes(inner.chainRefLength(), Command.CHAIN_REF_LENGTH_MAX, "inner.chainRef");
            inner.getChainRef(c.chainRef, 0, c.chainRefLength);
            c.memoLength = bytes(inner.memoLength(), Command.MEMO_LENGTH_MAX, "inner.memo");
            inner.getMemo(c.memo, 0, c.memoLength);
        }
        command.chainRefLength = bytes(decoder.chainRefLength(), Command.CHAIN_REF_LENGTH_MAX, "chainRef");
        decoder.getChainRef(command.chainRef, 0, command.chainRefLength);
        command.memoLength = bytes(decoder.memoLength(), Command.MEMO_LENGTH_MAX, "memo");
        decoder.getMemo(command.memo, 0, command.memoLength);
        final int settingsLength = bytes(decoder.settingsLength(), Rules.CHANGE_LENGTH_MAX, "settings");
        // Read even when empty: reading moves past the length.
        decoder.getSettings(settingsLength > 0 ? command.settingsBuffer() : NO_BYTES, 0, settingsLength);
        command.settingsLength(settingsLength);
        lastLength = decoder.limit();
        return correlationId;
    }

    /**
     * Check a group's dimensions, here and for {@link DecisionMessages}: at most {@code countMax} entries, each at
     * least as long as the schema lays it out, since entries shorter than their fields would be read into one another.
     */
    static void entries(
        final String field, final int count, final int countMax, final int blockLength, final int entryLength)
        throws ProtocolException
    {
        if (count > countMax)
        {
            throw invalid(field, "count " + count + " above " + countMax);
        }
        if (count > 0 && blockLength < entryLength)
        {
            throw invalid(field, "blockLength " + blockLength + " below " + entryLength + ", the length of its entry");
        }
    }

    private static int bytes(final int length, final int max, final String field) throws ProtocolException
    {
        if (length > max)
        {
            throw invalid(field, "length " + length + " above " + max);
        }
        return length;
    }

    private static CommandType typeOf(final short raw, final String field) throws ProtocolException
    {
        final CommandType type = raw >= 0 && raw < TYPES_BY_KIND.length ? TYPES_BY_KIND[raw] : null;
        if (type == null)
        {
            throw invalid(field, "unknown command kind " + raw);
        }
        return type;
    }

    private static AccountKind accountKindOf(final short raw) throws ProtocolException
    {
        if (raw == 0)
        {
            return null;
        }
        final AccountKind kind = raw > 0 && raw <= AccountKind.values().length ? AccountKind.fromCode(raw) : null;
        if (kind == null)
        {
            throw invalid("accountKind", "unknown account kind " + raw);
        }
        return kind;
    }

    private static ProtocolException invalid(final String field, final String problem)
    {
        return new ProtocolException(ProtocolException.INVALID_FIELD, "field '" + field + "': " + problem);
    }

    private static CommandKind kindOf(final CommandType type)
    {
        return CommandKind.get((short)type.code());
    }

    private static AccountKindCode accountKindOf(final AccountKind kind)
    {
        return kind == null ? AccountKindCode.NONE : AccountKindCode.get((short)kind.code());
    }
}
