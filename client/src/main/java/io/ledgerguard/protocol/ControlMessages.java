package io.ledgerguard.protocol;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import io.ledgerguard.protocol.sbe.AuthenticateDecoder;
import io.ledgerguard.protocol.sbe.AuthenticateEncoder;
import io.ledgerguard.protocol.sbe.AuthenticatedDecoder;
import io.ledgerguard.protocol.sbe.AuthenticatedEncoder;
import io.ledgerguard.protocol.sbe.ErrorResponseDecoder;
import io.ledgerguard.protocol.sbe.ErrorResponseEncoder;
import io.ledgerguard.protocol.sbe.HelloDecoder;
import io.ledgerguard.protocol.sbe.HelloEncoder;
import io.ledgerguard.protocol.sbe.MessageHeaderDecoder;
import io.ledgerguard.protocol.sbe.MessageHeaderEncoder;
import io.ledgerguard.protocol.sbe.WelcomeDecoder;
import io.ledgerguard.protocol.sbe.WelcomeEncoder;

/**
 * The protocol's framing and its control messages: the handshake ({@code Hello}, {@code Welcome}, and when the server
 * names its clients {@code Authenticate} and {@code Authenticated}) and {@code ErrorResponse}. A frame is a 4-byte
 * little-endian length, then that many bytes: one SBE message, header first.
 */
public final class ControlMessages
{
    /**
     * The protocol version this build speaks; a client that speaks another is refused in the handshake. Version 2
     * added the challenge: the nonce in {@code Welcome}, {@code Authenticate} and {@code Authenticated}.
     */
    public static final int PROTOCOL_VERSION = 2;
    /** {@code Welcome.authentication}: the server names no clients; commands may follow the Welcome. */
    public static final int AUTHENTICATION_NONE = 0;
    /** {@code Welcome.authentication}: sign the challenge ({@link #challenge}) and send {@code Authenticate}. */
    public static final int AUTHENTICATION_ED25519 = 1;
    /** Bytes of the server's challenge. */
    public static final int NONCE_LENGTH = 32;
    /** Bytes of an Ed25519 signature. */
    public static final int SIGNATURE_LENGTH = 64;
    /** What every challenge signature starts with, so that it can never be mistaken for an approval's. */
    private static final byte[] CHALLENGE_DOMAIN =
        "LEDGER-GUARD-CLIENT-AUTH".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    /** Bytes of a frame's length prefix. */
    public static final int LENGTH_PREFIX = 4;

    /** Error code: the first frame was not a {@code Hello}, or spoke another protocol version. */
    public static final int HANDSHAKE_REFUSED = 10;
    /** Error code: a frame's length is below the header's or above the server's maximum; the connection closes. */
    public static final int BAD_FRAME_LENGTH = 11;
    /**
     * Error code: the client did not prove its key (unknown id, a signature that does not verify, anything but an
     * {@code Authenticate} after the Welcome) or holds all the connections its configuration allows; the connection
     * closes. The client is told no more than that; the server's log says which.
     */
    public static final int AUTHENTICATION_FAILED = 12;

    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
    private final HelloEncoder helloEncoder = new HelloEncoder();
    private final HelloDecoder helloDecoder = new HelloDecoder();
    private final WelcomeEncoder welcomeEncoder = new WelcomeEncoder();
    private final WelcomeDecoder welcomeDecoder = new WelcomeDecoder();
    private final AuthenticateEncoder authenticateEncoder = new AuthenticateEncoder();
    private final AuthenticateDecoder authenticateDecoder = new AuthenticateDecoder();
    private final AuthenticatedEncoder authenticatedEncoder = new AuthenticatedEncoder();
    private final AuthenticatedDecoder authenticatedDecoder = new AuthenticatedDecoder();
    private final ErrorResponseEncoder errorEncoder = new ErrorResponseEncoder();
    private final ErrorResponseDecoder errorDecoder = new ErrorResponseDecoder();
    private final UnsafeBuffer frame = new UnsafeBuffer(0, 0);
    private int welcomeMaxFrameLength;
    private int welcomeAuthentication;
    private final byte[] welcomeNonce = new byte[NONCE_LENGTH];
    private String helloClientName = "";

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
            helloClientName = helloDecoder.clientName();
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

    /**
     * @return the {@code clientName} of the last {@code Hello} decoded: the client's id when the server names its
     * clients.
     */
    public String helloClientName()
    {
        return helloClientName;
    }

    /**
     * @param authentication {@link #AUTHENTICATION_NONE} or {@link #AUTHENTICATION_ED25519}.
     * @param nonce          {@link #NONCE_LENGTH} fresh random bytes: the challenge.
     */
    public int encodeWelcome(final int maxFrameLength, final int maxInFlight, final int authentication,
        final byte[] nonce, final String serverName, final MutableDirectBuffer buffer, final int offset)
    {
        assert nonce.length == NONCE_LENGTH : "nonce of " + nonce.length + " bytes";
        welcomeEncoder.wrapAndApplyHeader(buffer, offset, headerEncoder)
            .protocolVersion(PROTOCOL_VERSION)
            .maxFrameLength(maxFrameLength)
            .maxInFlight(maxInFlight)
            .authentication((short)authentication)
            .putNonce(nonce, 0, NONCE_LENGTH)
            .serverName(serverName);
        return MessageHeaderEncoder.ENCODED_LENGTH + welcomeEncoder.encodedLength();
    }

    /**
     * @return {@code Welcome.authentication} of the last Welcome decoded.
     */
    public int welcomeAuthentication()
    {
        return welcomeAuthentication;
    }

    /**
     * @return the challenge of the last Welcome decoded (the same array each time: copy it to keep it).
     */
    public byte[] welcomeNonce()
    {
        return welcomeNonce;
    }

    /**
     * The bytes a client signs to prove its key: {@code "LEDGER-GUARD-CLIENT-AUTH"} (ASCII), the protocol version
     * (uint16 little-endian), the client id's length (one byte) and its UTF-8 bytes, then the 32-byte nonce of the
     * Welcome. The nonce is fresh for every connection, so a signature is good for one handshake only.
     *
     * @param protocolVersion the version the Hello asked for.
     * @param clientId        the Hello's {@code clientName}.
     * @param nonce           the Welcome's nonce.
     * @return the bytes to sign.
     */
    public static byte[] challenge(final int protocolVersion, final String clientId, final byte[] nonce)
    {
        final byte[] id = clientId.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        if (id.length > 255 || nonce.length != NONCE_LENGTH)
        {
            throw new IllegalArgumentException("a client id of at most 255 bytes and a nonce of " + NONCE_LENGTH +
                " bytes are signed; were " + id.length + " and " + nonce.length);
        }
        final byte[] bytes = new byte[CHALLENGE_DOMAIN.length + 2 + 1 + id.length + NONCE_LENGTH];
        int at = 0;
        System.arraycopy(CHALLENGE_DOMAIN, 0, bytes, at, CHALLENGE_DOMAIN.length);
        at += CHALLENGE_DOMAIN.length;
        bytes[at++] = (byte)protocolVersion;
        bytes[at++] = (byte)(protocolVersion >>> 8);
        bytes[at++] = (byte)id.length;
        System.arraycopy(id, 0, bytes, at, id.length);
        at += id.length;
        System.arraycopy(nonce, 0, bytes, at, NONCE_LENGTH);
        return bytes;
    }

    public int encodeAuthenticate(final byte[] signature, final MutableDirectBuffer buffer, final int offset)
    {
        assert signature.length == SIGNATURE_LENGTH : "signature of " + signature.length + " bytes";
        authenticateEncoder.wrapAndApplyHeader(buffer, offset, headerEncoder)
            .putSignature(signature, 0, SIGNATURE_LENGTH);
        return MessageHeaderEncoder.ENCODED_LENGTH + authenticateEncoder.encodedLength();
    }

    /**
     * @param signature receives the {@link #SIGNATURE_LENGTH} bytes of the signature.
     * @throws ProtocolException when the frame is not exactly one {@code Authenticate}.
     */
    public void decodeAuthenticate(final DirectBuffer buffer, final int offset, final int length,
        final byte[] signature) throws ProtocolException
    {
        if (templateId(buffer, offset, length) != AuthenticateDecoder.TEMPLATE_ID)
        {
            throw new ProtocolException(AUTHENTICATION_FAILED, "after a Welcome that asks for authentication the " +
                "next frame must be an Authenticate (templateId=" + AuthenticateDecoder.TEMPLATE_ID + ")");
        }
        final int expected = MessageHeaderDecoder.ENCODED_LENGTH + AuthenticateDecoder.BLOCK_LENGTH;
        if (length != expected)
        {
            throw new ProtocolException(AUTHENTICATION_FAILED, "an Authenticate frame is " + expected +
                " bytes, was " + length);
        }
        frame.wrap(buffer, offset, length);
        authenticateDecoder.wrapAndApplyHeader(frame, 0, headerDecoder);
        authenticateDecoder.getSignature(signature, 0, SIGNATURE_LENGTH);
    }

    /**
     * @param commandKinds   bit k set when the client's role allows command kind k.
     * @param connectionsMax connections the client may hold at once.
     */
    public int encodeAuthenticated(final long commandKinds, final int connectionsMax,
        final MutableDirectBuffer buffer, final int offset)
    {
        authenticatedEncoder.wrapAndApplyHeader(buffer, offset, headerEncoder)
            .commandKinds(commandKinds)
            .connectionsMax(connectionsMax);
        return MessageHeaderEncoder.ENCODED_LENGTH + authenticatedEncoder.encodedLength();
    }

    /**
     * @return the command kinds the role allows (bit k for kind k).
     * @throws ProtocolException when the frame is not an {@code Authenticated}.
     */
    public long decodeAuthenticated(final DirectBuffer buffer, final int offset, final int length)
        throws ProtocolException
    {
        if (templateId(buffer, offset, length) != AuthenticatedDecoder.TEMPLATE_ID ||
            length < MessageHeaderDecoder.ENCODED_LENGTH + AuthenticatedDecoder.BLOCK_LENGTH)
        {
            throw new ProtocolException(ProtocolException.UNKNOWN_MESSAGE, "expected an Authenticated");
        }
        frame.wrap(buffer, offset, length);
        authenticatedDecoder.wrapAndApplyHeader(frame, 0, headerDecoder);
        return authenticatedDecoder.commandKinds();
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
        welcomeAuthentication = welcomeDecoder.authentication();
        welcomeDecoder.getNonce(welcomeNonce, 0, NONCE_LENGTH);
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
