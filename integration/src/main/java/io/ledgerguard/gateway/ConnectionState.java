package io.ledgerguard.gateway;

/**
 * The life of one gateway connection, a small state machine driven by {@link GatewayServer}'s I/O thread, the only
 * thread that reads or changes it (as Aeron's {@code ClusterSession.State} is driven by the consensus module's agent).
 * <pre>
 *   AWAITING_HELLO --- Hello accepted, open gateway (no clients named) ---------------------------> OPEN
 *     |  |                                                                                          ^   |
 *     |  +-- Hello accepted, clients named: Welcome with a fresh nonce                              |   |
 *     |        v                                                                                    |   |
 *     |      AWAITING_AUTHENTICATE -- an Authenticate read --> VERIFYING -- signature verified -----+   |
 *     |        |                                                  |                                     |
 *     |        | anything else                                    | signature not verified              |
 *     |        v                                                  v                                     |
 *     |      AUTHENTICATION_FAILED <------------------------------+                                     |
 *     |        | the delay for failed attempts passed: the error queued                                 |
 *     |        v                                                                                        v
 *     +--> HANDSHAKE_FAILED --- (open gateway only) a later Hello, already in the buffer, accepted --> DRAINING
 *   a Hello refused, a frame length that cannot be        a frame length that cannot be resynchronised,
 *   resynchronised, or the client closed its side         or the client closed its side
 *   (from AWAITING_AUTHENTICATE too; and from VERIFYING
 *   when a connection limit is reached once the signature
 *   verified, or a frame length cannot be resynchronised)
 *
 *   HANDSHAKE_FAILED, DRAINING ---- every answer flushed ----> CLOSED
 *   any state ---- I/O error, a failure, a stall, a full answer queue, the server closing ----> CLOSED
 * </pre>
 * The socket is read only in {@link #AWAITING_HELLO}, {@link #AWAITING_AUTHENTICATE} and {@link #OPEN}. What a client
 * sent before the server stopped reading is still taken and answered, in order: that is why a connection drains
 * rather than closes, and why, on an open gateway, a Hello pipelined behind a refused one is still read as a Hello.
 * <p>
 * What is not the connection's life stays out of this enum: how far the frames in its buffer are taken (a frame
 * waiting for room, a frame checked whole) and the signals the pipeline's release thread sends it (a flush wanted,
 * an answer queue that overflowed).
 */
enum ConnectionState
{
    /**
     * Accepted: the first frame must be a {@code Hello}; one that does not come within the stall timeout closes the
     * connection.
     */
    AWAITING_HELLO,

    /**
     * Welcomed with a challenge (the configuration names clients): the next frame must be an {@code Authenticate}
     * whose signature verifies with the key of the client the Hello named. No command is read before it does.
     */
    AWAITING_AUTHENTICATE,

    /**
     * An {@code Authenticate} was read and its signature is being verified on the gateway's authentication thread, so
     * that the I/O thread never spends the half millisecond an Ed25519 verification takes. Nothing more is read or
     * taken until the result comes back: then {@link #OPEN} or {@link #AUTHENTICATION_FAILED}.
     */
    VERIFYING,

    /**
     * The client did not prove its key. Nothing more is read or taken; the error is queued only once the delay for
     * failed attempts has passed, then the connection closes.
     */
    AUTHENTICATION_FAILED,

    /**
     * The handshake is done (and the client's key proven, when clients are named): every frame is one or more
     * requests, each taken whole or not at all.
     */
    OPEN,

    /**
     * No handshake was completed and none will be read from the socket: the {@code Hello} was refused, a frame
     * length could not be resynchronised, or the client closed its side first. The error frames are flushed, then the
     * connection closes.
     */
    HANDSHAKE_FAILED,

    /**
     * Welcomed, and nothing more is read from the socket: the client closed its side, or a frame length could not be
     * resynchronised. The requests already in the buffer are still taken, and the connection closes once every answer
     * is flushed.
     */
    DRAINING,

    /**
     * Closed: its key is cancelled, its socket closed, and it is no longer among the server's connections. Terminal.
     */
    CLOSED;

    /**
     * @return true once the handshake is done (the connection counts against the limits) and until it closes.
     */
    boolean isEstablished()
    {
        return this == OPEN || this == DRAINING;
    }

    /**
     * @return true while the socket is read for more frames.
     */
    boolean readsSocket()
    {
        return this == AWAITING_HELLO || this == AWAITING_AUTHENTICATE || this == OPEN;
    }

    /**
     * @return true when the connection closes as soon as it has nothing left to answer.
     */
    boolean closesWhenFlushed()
    {
        return this == HANDSHAKE_FAILED || this == DRAINING;
    }

    /**
     * @param challenged true when the Welcome asks the client to prove its key.
     * @return the state after a {@code Hello} is accepted.
     */
    ConnectionState onWelcome(final boolean challenged)
    {
        assert this == AWAITING_HELLO || this == HANDSHAKE_FAILED : "a Hello is read only first: state=" + this;
        assert !challenged || this == AWAITING_HELLO : "a refused handshake is never challenged";
        return challenged ? AWAITING_AUTHENTICATE : this == HANDSHAKE_FAILED ? DRAINING : OPEN;
    }

    /**
     * @return the state once an {@code Authenticate} is read and handed over for verification.
     */
    ConnectionState onAuthenticate()
    {
        assert this == AWAITING_AUTHENTICATE : "an Authenticate read in state " + this;
        return VERIFYING;
    }

    /**
     * @return the state after the client's signature verified.
     */
    ConnectionState onAuthenticated()
    {
        assert this == VERIFYING : "authenticated in state " + this;
        return OPEN;
    }

    /**
     * @return the state after an {@code Authenticate} (or whatever came instead) failed.
     */
    ConnectionState onAuthenticationFailed()
    {
        assert this == AWAITING_AUTHENTICATE || this == VERIFYING : "authentication failed in state " + this;
        return AUTHENTICATION_FAILED;
    }

    /**
     * @return the state after the server stops reading the socket: a refusal, a frame length that cannot be
     * resynchronised, or the end of the client's input. Stopping again changes nothing.
     */
    ConnectionState onReadingStopped()
    {
        switch (this)
        {
            case AWAITING_HELLO:
            case AWAITING_AUTHENTICATE:
            case VERIFYING:
                return HANDSHAKE_FAILED;
            case OPEN:
                return DRAINING;
            default:
                return this;
        }
    }
}
