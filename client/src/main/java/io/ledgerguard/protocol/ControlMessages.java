package io.ledgerguard.protocol;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import io.ledgerguard.protocol.sbe.ErrorResponseDecoder;
import io.ledgerguard.protocol.sbe.ErrorResponseEncoder;
import io.ledgerguard.protocol.sbe.HelloDecoder;
import io.ledgerguard.protocol.sbe.HelloEncoder;
import io.ledgerguard.protocol.sbe.MessageHeaderDecoder;
import io.ledgerguard.protocol.sbe.MessageHeaderEncoder;
import io.ledgerguard.protocol.sbe.WelcomeDecoder;
import io.ledgerguard.protocol.sbe.WelcomeEncoder;

/**
 * The protocol's framing and its control messages: the handshake ({@code Hello}, {@code Welcome}) and
 * {@code ErrorResponse}. A frame is a 4-byte little-endian length, then that many bytes: one SBE message, header first.
 */
public final class ControlMessages
{
    /** The protocol version this build speaks; a client that speaks another is refused in the handshake. */
    public static final int PROTOCOL_VERSION = 1;
    /** Bytes of a frame's length prefix. */
    public static final int LENGTH_PREFIX = 4;

    /** Error code: the first frame was not a {@code Hello}, or spoke another protocol version. */
    public static final int HANDSHAKE_REFUSED = 10;
    /** Error code: a frame's length is below the header's or above the server's maximum; the connection closes. */
    public static final int BAD_FRAME_LENGTH = 11;

    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
    private final HelloEncoder helloEncoder = new HelloEncoder();
    private final HelloDecoder helloDecoder = new HelloDecoder();
    private final WelcomeEncoder welcomeEncoder = new WelcomeEncoder();
    private final WelcomeDecoder welcomeDecoder = new WelcomeDecoder();
    private final ErrorResponseEncoder errorEncoder = new ErrorResponseEncoder();
    private final ErrorResponseDecoder errorDecoder = new ErrorResponseDecoder();
    private final UnsafeBuffer frame = new UnsafeBuffer(0, 0);
    private int welcomeMaxFrameLength;

    /** Longest {@code clientName} a {@code Hello} may carry, in UTF-8 bytes (docs/protocol.md). */
    public static final int CLIENT_NAME_BYTES_MAX = 1_024;

    /**
     * @param buffer holding a message, header first.
     * @param offset where it starts.
     * @param length its length.
     * @return its template id, or -1 when it is shorter than a header or of another schema.
     */
    public int templateId(final DirectBuffer buffer, final int offset, final int length)
    {
        if (length < MessageHeaderDecoder.ENCODED_LENGTH)
        {
            return -1;
        }
        headerDecoder.wrap(buffer, offset);
        return headerDecoder.schemaId() == HelloDecoder.SCHEMA_ID ? headerDecoder.templateId() : -1;
    }

    public int encodeHello(final String clientName, final MutableDirectBuffer buffer, final int offset)
    {
        helloEncoder.wrapAndApplyHeader(buffer, offset, headerEncoder)
            .protocolVersion(PROTOCOL_VERSION)
            .schemaVersion(HelloEncoder.SCHEMA_VERSION)
            .clientName(clientName);
        return MessageHeaderEncoder.ENCODED_LENGTH + helloEncoder.encodedLength();
    }

    /**
     * @return the protocol version a {@code Hello} frame asks for.
     * @throws ProtocolException when the frame is not a whole {@code Hello}.
     */
    public int decodeHello(final DirectBuffer buffer, final int offset, final int length) throws ProtocolException
    {
        if (templateId(buffer, offset, length) != HelloDecoder.TEMPLATE_ID)
        {
            throw new ProtocolException(HANDSHAKE_REFUSED, "the first frame must be a Hello (templateId=" +
                HelloDecoder.TEMPLATE_ID + ")");
        }
        try
        {
            frame.wrap(buffer, offset, length);
            helloDecoder.wrapAndApplyHeader(frame, 0, headerDecoder);
            final int version = helloDecoder.protocolVersion();
            final int nameLength = helloDecoder.clientNameLength();
            if (nameLength > CLIENT_NAME_BYTES_MAX)
            {
                throw new ProtocolException(HANDSHAKE_REFUSED, "clientName of " + nameLength + " bytes: at most " +
                    CLIENT_NAME_BYTES_MAX);
            }
            helloDecoder.skipClientName();
            final int used = MessageHeaderDecoder.ENCODED_LENGTH + helloDecoder.encodedLength();
            if (used != length)
            {
                // A command behind the Hello would otherwise be dropped without a word.
                throw new ProtocolException(HANDSHAKE_REFUSED, (length - used) + " bytes follow the Hello in its " +
                    "frame: nothing may; send commands once Welcome is received");
            }
            return version;
        }
        catch (final IndexOutOfBoundsException ex)
        {
            throw new ProtocolException(ProtocolException.TRUNCATED,
                "Hello frame of " + length + " bytes is cut short");
        }
    }

    public int encodeWelcome(final int maxFrameLength, final int maxInFlight, final String serverName,
        final MutableDirectBuffer buffer, final int offset)
    {
        welcomeEncoder.wrapAndApplyHeader(buffer, offset, headerEncoder)
            .protocolVersion(PROTOCOL_VERSION)
            .maxFrameLength(maxFrameLength)
            .maxInFlight(maxInFlight)
            .serverName(serverName);
        return MessageHeaderEncoder.ENCODED_LENGTH + welcomeEncoder.encodedLength();
    }

    /**
     * @return the largest number of requests the server lets this connection have in flight; the largest frame it takes
     * is then {@link #welcomeMaxFrameLength()}.
     */
    public int decodeWelcomeMaxInFlight(final DirectBuffer buffer, final int offset, final int length)
        throws ProtocolException
    {
        if (templateId(buffer, offset, length) != WelcomeDecoder.TEMPLATE_ID)
        {
            throw new ProtocolException(ProtocolException.UNKNOWN_MESSAGE, "expected a Welcome");
        }
        frame.wrap(buffer, offset, length);
        welcomeDecoder.wrapAndApplyHeader(frame, 0, headerDecoder);
        welcomeMaxFrameLength = (int)Math.min(Integer.MAX_VALUE, welcomeDecoder.maxFrameLength());
        return (int)Math.min(Integer.MAX_VALUE, welcomeDecoder.maxInFlight());
    }

    /**
     * @return the {@code maxFrameLength} of the last {@code Welcome} decoded.
     */
    public int welcomeMaxFrameLength()
    {
        return welcomeMaxFrameLength;
    }

    public int encodeError(final long correlationId, final int code, final String message,
        final MutableDirectBuffer buffer, final int offset)
    {
        errorEncoder.wrapAndApplyHeader(buffer, offset, headerEncoder)
            .correlationId(correlationId)
            .code(code)
            // At most 1,024 bytes of UTF-8: 250 characters fit whatever they are.
            .message(message.length() > 250 ? message.substring(0, 250) : message);
        return MessageHeaderEncoder.ENCODED_LENGTH + errorEncoder.encodedLength();
    }

    /**
     * @return the error's correlation id; its code and message are {@link #errorCode()} and {@link #errorMessage()}.
     */
    public long decodeError(final DirectBuffer buffer, final int offset, final int length)
    {
        frame.wrap(buffer, offset, length);
        errorDecoder.wrapAndApplyHeader(frame, 0, headerDecoder);
        return errorDecoder.correlationId();
    }

    public int errorCode()
    {
        return errorDecoder.code();
    }

    public String errorMessage()
    {
        return errorDecoder.message();
    }
}
