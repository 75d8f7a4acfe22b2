package io.ledgerguard.gateway;

import java.util.EnumSet;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static io.ledgerguard.gateway.ConnectionState.AWAITING_HELLO;
import static io.ledgerguard.gateway.ConnectionState.CLOSED;
import static io.ledgerguard.gateway.ConnectionState.DRAINING;
import static io.ledgerguard.gateway.ConnectionState.HANDSHAKE_FAILED;
import static io.ledgerguard.gateway.ConnectionState.OPEN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Proves that a gateway connection's states move as the diagram of {@link ConnectionState} draws them, and that each
 * state reads the socket, counts as welcomed and closes when flushed exactly as the flags it replaced did.
 */
class ConnectionStateTest
{
    @Test
    void shouldOpenOnAHelloAndDrainWhenReadingStops()
    {
        assertEquals(OPEN, AWAITING_HELLO.onWelcome());
        assertEquals(DRAINING, OPEN.onReadingStopped());
        assertEquals(DRAINING, DRAINING.onReadingStopped());
    }

    @Test
    void shouldFailTheHandshakeWhenReadingStopsBeforeAHelloAndStillTakeALaterHello()
    {
        assertEquals(HANDSHAKE_FAILED, AWAITING_HELLO.onReadingStopped());
        assertEquals(HANDSHAKE_FAILED, HANDSHAKE_FAILED.onReadingStopped());
        // A Hello pipelined behind a refused one is still read as a Hello: the connection is then welcomed, draining.
        assertEquals(DRAINING, HANDSHAKE_FAILED.onWelcome());
    }

    @Test
    void shouldStayClosed()
    {
        assertEquals(CLOSED, CLOSED.onReadingStopped());
    }

    @ParameterizedTest
    @EnumSource(value = ConnectionState.class, names = {"OPEN", "DRAINING", "CLOSED"})
    void shouldTakeAHelloOnlyBeforeTheHandshake(final ConnectionState state)
    {
        assertThrows(AssertionError.class, state::onWelcome);
    }

    @ParameterizedTest
    @EnumSource(ConnectionState.class)
    void shouldAnswerAsTheFlagsItReplacedDid(final ConnectionState state)
    {
        // The flags of GatewayServer.Connection before the enum: welcomed, closeAfterFlush, closed.
        final boolean welcomed = EnumSet.of(OPEN, DRAINING).contains(state);
        final boolean closeAfterFlush = EnumSet.of(HANDSHAKE_FAILED, DRAINING).contains(state);
        final boolean closed = state == CLOSED;
        assertEquals(welcomed, state.isWelcomed(), "isWelcomed");
        assertEquals(!closed && !closeAfterFlush, state.readsSocket(), "readsSocket");
        assertEquals(!closed && closeAfterFlush, state.closesWhenFlushed(), "closesWhenFlushed");
    }
}
