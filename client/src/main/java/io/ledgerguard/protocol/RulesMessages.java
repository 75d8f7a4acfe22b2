package io.ledgerguard.protocol;

import java.nio.charset.StandardCharsets;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import io.ledgerguard.core.Rules;
import io.ledgerguard.core.RulesInForce;
import io.ledgerguard.protocol.sbe.MessageHeaderDecoder;
import io.ledgerguard.protocol.sbe.MessageHeaderEncoder;
import io.ledgerguard.protocol.sbe.RulesInForceDecoder;
import io.ledgerguard.protocol.sbe.RulesInForceEncoder;

/**
 * The protocol's {@code RulesInForce} message: what a guard cluster's leader tells its clients' sessions of the rules
 * in force (SPEC §13), so that a gateway in front of the cluster checks its own clients, roles and approvals against
 * the rules the nodes apply; and, with a version of -1 and no text, a client's request for them. Rule changes are
 * rare: this allocates.
 */
public final class RulesMessages
{
    /** At most this much text: a million bytes, far above any configuration's. */
    public static final int TEXT_LENGTH_MAX = 1 << 20;

    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
    private final RulesInForceEncoder encoder = new RulesInForceEncoder();
    private final RulesInForceDecoder decoder = new RulesInForceDecoder();
    private final UnsafeBuffer frame = new UnsafeBuffer(0, 0);

    /** One message as read. */
    public record Received(long changes, long changeSeq, long approversSeq, String settings)
    {
    }

    /**
     * @param inForce the rules in force.
     * @param buffer  to write to; it must have room for the rules' text and the header.
     * @param offset  where to start.
     * @return bytes written, header included.
     */
    public int encode(final RulesInForce inForce, final MutableDirectBuffer buffer, final int offset)
    {
        final byte[] text = Rules.text(inForce.rules).getBytes(StandardCharsets.UTF_8);
        if (text.length > TEXT_LENGTH_MAX)
        {
            throw new IllegalStateException("the rules' text is " + text.length + " bytes, beyond " + TEXT_LENGTH_MAX);
        }
        encoder.wrapAndApplyHeader(buffer, offset, headerEncoder)
            .changes(inForce.changes)
            .changeSeq(inForce.changeSeq)
            .approversSeq(inForce.approversSeq)
            .putSettings(text, 0, text.length);
        return MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength();
    }

    /**
     * A client's request for the rules in force: a {@code RulesInForce} message with a version of -1 and no text. A
     * guard cluster's leader answers it with the rules.
     *
     * @param buffer to write to.
     * @param offset where to start.
     * @return bytes written, header included.
     */
    public int encodeRequest(final MutableDirectBuffer buffer, final int offset)
    {
        encoder.wrapAndApplyHeader(buffer, offset, headerEncoder)
            .changes(-1)
            .changeSeq(0)
            .approversSeq(0)
            .putSettings(new byte[0], 0, 0);
        return MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength();
    }

    /**
     * @param buffer holds a message.
     * @param offset where it starts.
     * @param length its length.
     * @return true when it is a {@code RulesInForce} message of this protocol (its header says so).
     */
    public boolean isRules(final DirectBuffer buffer, final int offset, final int length)
    {
        if (length < MessageHeaderDecoder.ENCODED_LENGTH)
        {
            return false;
        }
        headerDecoder.wrap(buffer, offset);
        return headerDecoder.schemaId() == RulesInForceDecoder.SCHEMA_ID &&
            headerDecoder.templateId() == RulesInForceDecoder.TEMPLATE_ID;
    }

    /**
     * @param buffer holds a {@code RulesInForce} message ({@link #isRules}).
     * @param offset where it starts.
     * @param length its length: the message must end exactly there.
     * @return what it says.
     * @throws ProtocolException when it cannot be read.
     */
    public Received decode(final DirectBuffer buffer, final int offset, final int length) throws ProtocolException
    {
        if (!isRules(buffer, offset, length) || headerDecoder.blockLength() < RulesInForceDecoder.BLOCK_LENGTH)
        {
            throw new ProtocolException(ProtocolException.UNKNOWN_MESSAGE, "expected a RulesInForce message");
        }
        frame.wrap(buffer, offset, length);
        try
        {
            decoder.wrap(frame, MessageHeaderDecoder.ENCODED_LENGTH, headerDecoder.blockLength(),
                headerDecoder.version());
            final long changes = decoder.changes();
            final long changeSeq = decoder.changeSeq();
            final long approversSeq = decoder.approversSeq();
            final int textLength = decoder.settingsLength();
            if (textLength < 0 || textLength > TEXT_LENGTH_MAX ||
                textLength > frame.capacity() - decoder.limit() - RulesInForceDecoder.settingsHeaderLength())
            {
                throw new ProtocolException(ProtocolException.INVALID_FIELD, "field 'settings': " + textLength +
                    " bytes, beyond " + TEXT_LENGTH_MAX);
            }
            final byte[] text = new byte[textLength];
            decoder.getSettings(text, 0, textLength);
            if (decoder.limit() != frame.capacity())
            {
                throw new ProtocolException(ProtocolException.TRAILING_BYTES, "frame of " + frame.capacity() +
                    " bytes holds " + (frame.capacity() - decoder.limit()) + " bytes after the message");
            }
            return new Received(changes, changeSeq, approversSeq, new String(text, StandardCharsets.UTF_8));
        }
        catch (final IndexOutOfBoundsException ex)
        {
            throw new ProtocolException(ProtocolException.TRUNCATED, "frame of " + length + " bytes ends inside the " +
                "message");
        }
    }
}
