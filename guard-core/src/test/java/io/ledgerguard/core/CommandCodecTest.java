package io.ledgerguard.core;

import java.nio.charset.StandardCharsets;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The journal's form of a command: version 4 carries the id of the client that sent it (SPEC §12), and entries of
 * version 3, written before client ids, still decode, as naming none.
 */
class CommandCodecTest
{
    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[CommandCodec.ENCODED_LENGTH_MAX]);

    @Test
    void shouldCarryTheClientIdOfABatchAndNotOfItsInnerCommands()
    {
        final Command batch = new Command();
        batch.type = CommandType.BATCH;
        batch.txId = 7;
        batch.addInner().type = CommandType.TRANSFER;
        batch.inner(0).txId = 8;
        batch.memo("trade");
        final byte[] id = "orders-1".getBytes(StandardCharsets.US_ASCII);
        batch.clientId(id, id.length);

        final int length = CommandCodec.encode(batch, buffer, 0);
        assertEquals(CommandCodec.VERSION, buffer.getByte(CommandCodec.VERSION_OFFSET));
        final Command decoded = new Command();
        assertEquals(length, CommandCodec.decode(buffer, 0, decoded));
        assertEquals("orders-1", decoded.clientIdString());
        assertEquals(8, decoded.inner(0).txId);
        assertEquals("trade", decoded.memoString());
        assertEquals(0, decoded.inner(0).clientIdLength());
        // Who sent it does not make it another command: the same fingerprint, so a resubmission is a duplicate.
        final Command anonymous = new Command();
        anonymous.copyFrom(decoded);
        anonymous.clientId(new byte[0], 0);
        assertEquals(decoded.fingerprint(), anonymous.fingerprint());
        // A copy carries it; a reset clears it.
        final Command copy = new Command();
        copy.copyFrom(decoded);
        assertEquals("orders-1", copy.clientIdString());
        copy.reset();
        assertNull(copy.clientIdString());
    }

    @Test
    void shouldDecodeAVersion3EntryAsNamingNoClient()
    {
        final Command transfer = new Command();
        transfer.type = CommandType.TRANSFER;
        transfer.txId = 9;
        transfer.amount = 5;
        final int length = CommandCodec.encode(transfer, buffer, 0);
        // Version 3 wrote the same bytes with 0 in the byte version 4 gives the client id's length.
        buffer.putByte(CommandCodec.VERSION_OFFSET, CommandCodec.VERSION_3);
        assertEquals(0, buffer.getByte(CommandCodec.CLIENT_ID_LENGTH_OFFSET));

        final Command decoded = new Command();
        assertEquals(length, CommandCodec.decode(buffer, 0, decoded));
        assertEquals(9, decoded.txId);
        assertEquals(5, decoded.amount);
        assertNull(decoded.clientIdString());
    }

    @Test
    void shouldRefuseAClientIdLongerThanItsMaximum()
    {
        final Command transfer = new Command();
        transfer.type = CommandType.TRANSFER;
        CommandCodec.encode(transfer, buffer, 0);
        buffer.putByte(CommandCodec.CLIENT_ID_LENGTH_OFFSET, (byte)(Command.CLIENT_ID_LENGTH_MAX + 1));
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> CommandCodec.decode(buffer, 0, new Command()));
        assertTrue(ex.getMessage().contains("clientIdLength=33"), ex.getMessage());
    }
}
