package io.ledgerguard.protocol;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.ledgerguard.core.Command;
import io.ledgerguard.core.CommandType;
import io.ledgerguard.core.Decision;
import io.ledgerguard.core.Reason;
import io.ledgerguard.protocol.sbe.AccountKindCode;
import io.ledgerguard.protocol.sbe.CommandKind;
import io.ledgerguard.protocol.sbe.CommandRequestDecoder;
import io.ledgerguard.protocol.sbe.CommandRequestEncoder;
import io.ledgerguard.protocol.sbe.DecisionResponseDecoder;
import io.ledgerguard.protocol.sbe.DecisionResponseEncoder;
import io.ledgerguard.protocol.sbe.MessageHeaderEncoder;
import io.ledgerguard.protocol.sbe.Status;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every count and length limit docs/protocol.md gives the messages is enforced: a message at the limit is taken whole,
 * one past it is refused with {@code INVALID_FIELD} naming the field and the limit, and nothing is cut to fit. The
 * messages are written with the schema's generated encoders, as a client in another language would write them, since
 * {@link CommandMessages} itself never writes one past a limit.
 */
class ProtocolLimitsTest
{
    /** Where the first group's dimensions start: the message header, then the request's fixed block. */
    private static final int GROUPS_AT = 8 + CommandRequestDecoder.BLOCK_LENGTH;
    private static final int GROUP_HEADER = 4;
    private static final byte[] SIGNATURE = new byte[Command.SIGNATURE_LENGTH];

    private final CommandMessages messages = new CommandMessages();
    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[64 * 1024]);
    private final Command decoded = new Command();

    @Test
    void shouldTakeSixteenCreditLimitsAndRefuseSeventeen() throws ProtocolException
    {
        final Request request = new Request(CommandKind.OPEN_ACCOUNT);
        request.creditLimits = 16;
        messages.decode(buffer, 0, request.write(buffer), decoded);
        assertEquals(16, decoded.creditLimitCount);
        assertEquals(16, decoded.creditLimitAssetIds[15]);

        request.creditLimits = 17;
        assertRefused("field 'creditLimits': count 17 above 16", request.write(buffer));
    }

    @Test
    void shouldTakeEightApprovalsAndRefuseNine() throws ProtocolException
    {
        final Request request = new Request(CommandKind.TRANSFER);
        request.approvals = 8;
        messages.decode(buffer, 0, request.write(buffer), decoded);
        assertEquals(8, decoded.approvalCount);

        request.approvals = 9;
        assertRefused("field 'approvals': count 9 above 8", request.write(buffer));
    }

    @Test
    void shouldTakeKeyIdsOfOneToThirtyTwoBytesAndRefuseNoneAndThirtyThree() throws ProtocolException
    {
        final Request request = new Request(CommandKind.TRANSFER);
        request.approvals = 2;
        for (final int length : new int[] {1, Command.KEY_ID_LENGTH_MAX})
        {
            request.keyIdLength = length;
            messages.decode(buffer, 0, request.write(buffer), decoded);
            assertEquals(2, decoded.approvalCount);
            assertEquals("b".repeat(length), decoded.approvalKeyId(1));
        }
        request.keyIdLength = 33;
        assertRefused("field 'approvals.keyId': length 33 outside 1..32", request.write(buffer));
        request.keyIdLength = 0;
        assertRefused("field 'approvals.keyId': length 0 outside 1..32", request.write(buffer));
    }

    @Test
    void shouldTakeSixteenInnerCommandsOnABatchAndRefuseSeventeen() throws ProtocolException
    {
        final Request request = new Request(CommandKind.BATCH);
        request.inner = 16;
        messages.decode(buffer, 0, request.write(buffer), decoded);
        assertEquals(16, decoded.batchCount);
        assertEquals(115, decoded.inner(15).txId);

        request.inner = 17;
        assertRefused("field 'inner': count 17 above 16", request.write(buffer));
    }

    @Test
    void shouldRefuseInnerCommandsOnAnythingButABatch()
    {
        final Request request = new Request(CommandKind.TRANSFER);
        request.inner = 1;
        assertRefused("field 'inner': inner commands on a TRANSFER; only a BATCH has them", request.write(buffer));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"chainRef", "memo", "inner.chainRef", "inner.memo"})
    void shouldTakeAVarFieldOfItsMostBytesAndRefuseOneMore(final String field) throws ProtocolException
    {
        final boolean memo = field.endsWith("memo");
        final int max = memo ? Command.MEMO_LENGTH_MAX : Command.CHAIN_REF_LENGTH_MAX;
        final Request request = new Request(CommandKind.BATCH);
        request.inner = 2;
        request.set(field, max);
        messages.decode(buffer, 0, request.write(buffer), decoded);
        final Command holder = field.startsWith("inner.") ? decoded.inner(1) : decoded;
        assertEquals(max, memo ? holder.memoLength : holder.chainRefLength);
        assertArrayEquals(Request.text(max), Arrays.copyOf(memo ? holder.memo : holder.chainRef, max));

        request.set(field, max + 1);
        assertRefused("field '" + field + "': length " + (max + 1) + " above " + max, request.write(buffer));
    }

    @Test
    void shouldCountAMemoInBytesOfUtf8NotInCharacters() throws ProtocolException
    {
        final Command command = command(CommandType.ADJUST);
        command.memo("\u00e9".repeat(Command.MEMO_LENGTH_MAX / 2));
        messages.decode(buffer, 0, messages.encode(1, command, 0, buffer, 0), decoded);
        assertEquals(command.memoString(), decoded.memoString());

        command.memo("\u00e9".repeat(Command.MEMO_LENGTH_MAX / 2) + "x");
        assertFalse(CommandMessages.representable(command), "257 bytes in 129 characters");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"chainRef", "memo", "inner.chainRef", "inner.memo"})
    void shouldRefuseToEncodeAVarFieldPastItsLimitRatherThanCutIt(final String field)
    {
        // A command holds a longer one, marked too long, so that the guard can reject it with its reason: cut to fit,
        // it would reach the guard short enough to pass.
        final boolean memo = field.endsWith("memo");
        final int max = memo ? Command.MEMO_LENGTH_MAX : Command.CHAIN_REF_LENGTH_MAX;
        final Command command = command(CommandType.BATCH);
        final Command inner = command.addInner();
        inner.type = CommandType.TRANSFER;
        final Command holder = field.startsWith("inner.") ? inner : command;
        final String value = "v".repeat(max + 1);
        if (memo)
        {
            holder.memo(value);
        }
        else
        {
            holder.chainRef(value);
        }

        assertFalse(CommandMessages.representable(command));
        final IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
            () -> messages.encode(1, command, 0, buffer, 0));
        assertTrue(refused.getMessage().startsWith("the command cannot be sent: field '" + field + "': length " +
            (max + 1) + " above " + max), refused.getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"creditLimits", "approvals", "inner"})
    void shouldTakeGroupEntriesAtLeastAsLongAsTheSchemaLaysThemOutAndRefuseShorterOnes(final String group)
        throws ProtocolException
    {
        // Two entries in one group, none in the others: each group's dimensions follow the previous one's.
        final Request request = new Request(CommandKind.BATCH);
        final int at;
        final int entryLength;
        final int varBytes;
        switch (group)
        {
            case "creditLimits" ->
            {
                request.creditLimits = 2;
                at = GROUPS_AT;
                entryLength = CommandRequestDecoder.CreditLimitsDecoder.sbeBlockLength();
                varBytes = 0;
            }
            case "approvals" ->
            {
                request.approvals = 2;
                at = GROUPS_AT + GROUP_HEADER;
                entryLength = CommandRequestDecoder.ApprovalsDecoder.sbeBlockLength();
                varBytes = 2 + request.keyIdLength;
            }
            default ->
            {
                request.inner = 2;
                at = GROUPS_AT + 2 * GROUP_HEADER;
                entryLength = CommandRequestDecoder.InnerDecoder.sbeBlockLength();
                varBytes = 2 + 2;
            }
        }
        int length = request.write(buffer);
        assertEquals(entryLength, buffer.getShort(at) & 0xFFFF, "the group's dimensions are where this test looks");

        // Longer entries, as a newer version of the schema would write them: the decoder skips what it does not know.
        buffer.putShort(at, (short)(entryLength + 4));
        length = insert(at + GROUP_HEADER + entryLength, 4, length);
        length = insert(at + GROUP_HEADER + (entryLength + 4 + varBytes) + entryLength, 4, length);
        messages.decode(buffer, 0, length, decoded);
        switch (group)
        {
            case "creditLimits" -> assertEquals(2_000, decoded.creditLimits[1]);
            case "approvals" -> assertEquals("bbbbbbbb", decoded.approvalKeyId(1));
            default -> assertEquals(101, decoded.inner(1).txId);
        }

        length = request.write(buffer);
        buffer.putShort(at, (short)(entryLength - 1));
        assertRefused("field '" + group + "': blockLength " + (entryLength - 1) + " below " + entryLength +
            ", the length of its entry", length);
    }

    @Test
    void shouldTakeSixteenLinkedOutcomesAndRefuseSeventeen() throws ProtocolException
    {
        final GatewayDecision received = new GatewayDecision();
        final DecisionMessages decisions = new DecisionMessages();
        decisions.decode(buffer, 0, writeDecision(Command.BATCH_COMMANDS_MAX, 0, 0), received);
        assertEquals(16, received.linkedCount);
        assertEquals(Reason.LINKED_COMMAND_FAILED, received.linkedReasons[15]);

        final ProtocolException refused = assertThrows(ProtocolException.class,
            () -> decisions.decode(buffer, 0, writeDecision(Command.BATCH_COMMANDS_MAX + 1, 0, 0), received));
        assertEquals(ProtocolException.INVALID_FIELD, refused.code());
        assertEquals("field 'linked': count 17 above 16", refused.getMessage());
    }

    @Test
    void shouldTakeEightAlertsAndRefuseNine() throws ProtocolException
    {
        final GatewayDecision received = new GatewayDecision();
        final DecisionMessages decisions = new DecisionMessages();
        decisions.decode(buffer, 0, writeDecision(0, Decision.ALERTS_MAX, 0), received);
        assertEquals(8, received.alertCount);
        assertEquals(8, received.figure(7, 0));

        final ProtocolException refused = assertThrows(ProtocolException.class,
            () -> decisions.decode(buffer, 0, writeDecision(0, Decision.ALERTS_MAX + 1, 0), received));
        assertEquals(ProtocolException.INVALID_FIELD, refused.code());
        assertEquals("field 'alerts': count 9 above 8", refused.getMessage());

        final ProtocolException shortEntries = assertThrows(ProtocolException.class,
            () -> decisions.decode(buffer, 0, writeDecision(0, 1, -1), received));
        assertEquals("field 'alerts': blockLength 53 below 54, the length of its entry", shortEntries.getMessage());
    }

    @Test
    void shouldKeepAnErrorMessageWithinItsMostBytesWhateverItsCharacters()
    {
        // The server's messages quote what it was sent; three bytes a character, they must still fit 1,024 bytes.
        final ControlMessages control = new ControlMessages();
        for (final String message : new String[] {"x".repeat(5_000), "\u20ac".repeat(5_000),
            "\ud83d\ude00".repeat(5_000)})
        {
            final int length = control.encodeError(1, ProtocolException.INVALID_FIELD, message, buffer, 0);
            control.decodeError(buffer, 0, length);
            final int bytes = control.errorMessage().getBytes(StandardCharsets.UTF_8).length;
            assertTrue(bytes > 0 && bytes <= 1_024, "bytes=" + bytes);
            assertEquals(ProtocolException.INVALID_FIELD, control.errorCode());
        }
    }

    private void assertRefused(final String message, final int length)
    {
        final ProtocolException refused = assertThrows(ProtocolException.class,
            () -> messages.decode(buffer, 0, length, decoded));
        assertEquals(ProtocolException.INVALID_FIELD, refused.code(), refused.getMessage());
        assertEquals(message, refused.getMessage());
    }

    private static Command command(final CommandType type)
    {
        final Command command = new Command();
        command.type = type;
        command.txId = 1;
        return command;
    }

    /**
     * Make room in the message: move everything from {@code at} {@code bytes} on, leaving zeros.
     *
     * @return the message's new length.
     */
    private int insert(final int at, final int bytes, final int length)
    {
        buffer.putBytes(at + bytes, buffer, at, length - at);
        buffer.setMemory(at, bytes, (byte)0);
        return length + bytes;
    }

    /**
     * A DecisionResponse with these many linked outcomes and alerts, its alerts' entries {@code alertsBlockDelta}
     * bytes longer than the schema's (the fields of the shorter entries overlap).
     *
     * @return its length.
     */
    private int writeDecision(final int linkedCount, final int alertCount, final int alertsBlockDelta)
    {
        buffer.setMemory(0, buffer.capacity(), (byte)0);
        final DecisionResponseEncoder encoder = new DecisionResponseEncoder();
        encoder.wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .correlationId(3)
            .txId(40)
            .status(Status.REJECTED)
            .reasonCode(Reason.LINKED_COMMAND_FAILED.code());
        final DecisionResponseEncoder.LinkedEncoder linked = encoder.linkedCount(linkedCount);
        for (int i = 0; i < linkedCount; i++)
        {
            linked.next().txId(41 + i).reasonCode(Reason.LINKED_COMMAND_FAILED.code());
        }
        final int alertsAt = encoder.limit();
        final DecisionResponseEncoder.AlertsEncoder alerts = encoder.alertsCount(alertCount);
        for (int i = 0; i < alertCount; i++)
        {
            alerts.next().alertType((short)1).scope((short)0).putFigures(i + 1, 0, 0, 0);
        }
        buffer.putShort(alertsAt, (short)(DecisionResponseDecoder.AlertsDecoder.sbeBlockLength() + alertsBlockDelta));
        return 8 + encoder.encodedLength();
    }

    /**
     * A CommandRequest with the counts and lengths a test sets, every other field valid.
     */
    private static final class Request
    {
        private final CommandKind kind;
        private int creditLimits;
        private int approvals;
        private int keyIdLength = 8;
        private int inner;
        private int innerChainRefLength;
        private int innerMemoLength;
        private int chainRefLength;
        private int memoLength;

        Request(final CommandKind kind)
        {
            this.kind = kind;
        }

        void set(final String field, final int length)
        {
            switch (field)
            {
                case "chainRef" -> chainRefLength = length;
                case "memo" -> memoLength = length;
                case "inner.chainRef" -> innerChainRefLength = length;
                case "inner.memo" -> innerMemoLength = length;
                default -> throw new IllegalArgumentException(field);
            }
        }

        /**
         * @return the message's length, header included, written at 0 over zeros.
         */
        int write(final UnsafeBuffer buffer)
        {
            buffer.setMemory(0, buffer.capacity(), (byte)0);
            final CommandRequestEncoder encoder = new CommandRequestEncoder();
            encoder.wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
                .correlationId(7)
                .kind(kind)
                .accountKind(kind == CommandKind.OPEN_ACCOUNT ? AccountKindCode.CREDIT_LINE : AccountKindCode.NONE)
                .txId(99)
                .accountId(kind == CommandKind.OPEN_ACCOUNT ? 5 : 0)
                .debitAccountId(1)
                .creditAccountId(2)
                .assetId(1)
                .amount(10);
            final CommandRequestEncoder.CreditLimitsEncoder limits = encoder.creditLimitsCount(creditLimits);
            for (int i = 0; i < creditLimits; i++)
            {
                limits.next().assetId(i + 1).limit(1_000L * (i + 1));
            }
            final CommandRequestEncoder.ApprovalsEncoder approvalsEncoder = encoder.approvalsCount(approvals);
            for (int i = 0; i < approvals; i++)
            {
                final byte[] keyId = new byte[keyIdLength];
                Arrays.fill(keyId, (byte)('a' + i));
                approvalsEncoder.next().putSignature(SIGNATURE, 0, SIGNATURE.length).putKeyId(keyId, 0, keyIdLength);
            }
            final CommandRequestEncoder.InnerEncoder innerEncoder = encoder.innerCount(inner);
            for (int i = 0; i < inner; i++)
            {
                innerEncoder.next()
                    .kind(CommandKind.TRANSFER)
                    .accountKind(AccountKindCode.NONE)
                    .txId(100 + i)
                    .debitAccountId(1)
                    .creditAccountId(2)
                    .assetId(1)
                    .amount(1)
                    .putChainRef(text(innerChainRefLength), 0, innerChainRefLength)
                    .putMemo(text(innerMemoLength), 0, innerMemoLength);
            }
            encoder.putChainRef(text(chainRefLength), 0, chainRefLength);
            encoder.putMemo(text(memoLength), 0, memoLength);
            encoder.putSettings(text(0), 0, 0);
            return MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength();
        }

        static byte[] text(final int length)
        {
            final byte[] bytes = new byte[length];
            for (int i = 0; i < length; i++)
            {
                bytes[i] = (byte)('a' + i % 26);
            }
            return bytes;
        }
    }
}
