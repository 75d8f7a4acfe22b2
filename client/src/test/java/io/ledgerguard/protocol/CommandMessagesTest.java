package io.ledgerguard.protocol;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.ledgerguard.core.AccountKind;
import io.ledgerguard.core.Command;
import io.ledgerguard.core.CommandType;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every command survives the protocol's {@code CommandRequest} unchanged, and no frame, however damaged, gets anything
 * but a command or a {@link ProtocolException}.
 */
class CommandMessagesTest
{
    private static final int BUFFER_BYTES = 64 * 1024;

    private final CommandMessages messages = new CommandMessages();
    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[BUFFER_BYTES]);
    private final Command decoded = new Command();

    @Test
    void shouldCarryARuleChangesSettingsAndReadARequestOfVersionTwoWithout() throws ProtocolException
    {
        final Command command = new Command();
        command.type = CommandType.CONFIGURE;
        command.txId = 7;
        command.expiresAtMs = 1_800_000_000_000L;
        command.settings("assets.BTC.outflow.minorUnitsMax=1000\nkeys=ops-1,ops-3\n");
        final int length = messages.encode(5, command, 0, buffer, 16);
        assertEquals(5, messages.decode(buffer, 16, length, decoded));
        assertEquals(command.settingsString(), decoded.settingsString());
        assertEquals(command.fingerprint(), decoded.fingerprint());

        // A client of schema version 2 sends no settings: its request ends at the memo, and is read as before.
        final Command transfer = new Command();
        transfer.type = CommandType.TRANSFER;
        transfer.txId = 8;
        transfer.debitAccountId = 1;
        transfer.creditAccountId = 2;
        transfer.assetId = 1;
        transfer.amount = 3;
        final int withEmptySettings = messages.encode(6, transfer, 0, buffer, 16);
        buffer.putShort(16 + 6, (short)2, java.nio.ByteOrder.LITTLE_ENDIAN);
        assertEquals(6, messages.decode(buffer, 16, withEmptySettings - 2, decoded));
        assertEquals(transfer.fingerprint(), decoded.fingerprint());
        assertEquals(0, decoded.settingsLength());
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 20261121})
    void shouldRoundTripRandomCommands(final long seed) throws ProtocolException
    {
        final SplittableRandom random = new SplittableRandom(seed);
        final Command command = new Command();
        for (int i = 0; i < 2_000; i++)
        {
            randomCommand(random, command);
            final long correlationId = random.nextLong();
            final long atMs = random.nextLong(0, Long.MAX_VALUE);
            final int length = messages.encode(correlationId, command, atMs, buffer, 16);

            assertEquals(correlationId, messages.decode(buffer, 16, length, decoded));
            assertEquals(atMs, messages.atMs());
            assertEquals(command.fingerprint(), decoded.fingerprint(), () -> command + " became " + decoded);
            assertEquals(command.toString(), decoded.toString());
            assertEquals(command.expiresAtMs, decoded.expiresAtMs);
            assertEquals(command.approvalCount, decoded.approvalCount);
            for (int a = 0; a < command.approvalCount; a++)
            {
                assertEquals(command.approvalKeyId(a), decoded.approvalKeyId(a));
                assertArrayEquals(command.approvalSignature(a), decoded.approvalSignature(a));
            }
            assertEquals(0, decoded.approvalsVerified, "a client cannot vouch for its own signatures");
            assertNull(decoded.checkShape());
        }
    }

    @Test
    void shouldRefuseEveryTruncationAndTrailingBytesNamingTheProblem()
    {
        final Command command = new Command();
        randomCommand(new SplittableRandom(7), command);
        command.type = CommandType.BATCH;
        for (int i = 0; i < 3; i++)
        {
            final Command inner = command.addInner();
            inner.type = CommandType.TRANSFER;
            inner.txId = 100 + i;
            inner.memo("leg " + i);
        }
        final int length = messages.encode(5, command, 0, buffer, 0);
        for (int cut = 0; cut < length; cut++)
        {
            final int frameLength = cut;
            final ProtocolException ex = assertThrows(ProtocolException.class,
                () -> messages.decode(buffer, 0, frameLength, decoded), "cut at " + cut);
            assertTrue(ex.code() == ProtocolException.TRUNCATED || ex.code() == ProtocolException.INVALID_FIELD,
                () -> "cut at " + frameLength + ": " + ex.getMessage());
        }
        final ProtocolException trailing = assertThrows(ProtocolException.class,
            () -> messages.decode(buffer, 0, length + 3, decoded));
        assertEquals(ProtocolException.TRAILING_BYTES, trailing.code());
        assertEquals("frame of " + (length + 3) + " bytes holds 3 bytes after the message", trailing.getMessage());
    }

    @Test
    void shouldNameTheFieldOfAValueACommandCannotHold()
    {
        final Command command = new Command();
        command.type = CommandType.TRANSFER;
        command.txId = 1;
        final int length = messages.encode(9, command, 0, buffer, 0);
        // kind is the first byte after the correlation id, which follows the 8-byte header.
        buffer.putByte(8 + 8, (byte)99);
        final ProtocolException kind = assertThrows(ProtocolException.class,
            () -> messages.decode(buffer, 0, length, decoded));
        assertEquals("field 'kind': unknown command kind 99", kind.getMessage());

        buffer.putShort(2, (short)77);
        final ProtocolException template = assertThrows(ProtocolException.class,
            () -> messages.decode(buffer, 0, length, decoded));
        assertEquals(ProtocolException.UNKNOWN_MESSAGE, template.code());
    }

    @Test
    void shouldAnswerEveryDamagedFrameWithACommandOrAProtocolException()
    {
        // A seeded fuzz of byte flips, inserted garbage and lengths: decode must never throw anything else.
        final SplittableRandom random = new SplittableRandom(42);
        final Command command = new Command();
        int refused = 0;
        for (int i = 0; i < 20_000; i++)
        {
            randomCommand(random, command);
            int length = messages.encode(i, command, 0, buffer, 0);
            final int flips = 1 + random.nextInt(4);
            for (int f = 0; f < flips; f++)
            {
                buffer.putByte(random.nextInt(length), (byte)random.nextInt(256));
            }
            if (random.nextInt(4) == 0)
            {
                length = random.nextInt(length + 64);
            }
            try
            {
                messages.decode(buffer, 0, length, decoded);
                assertNull(decoded.checkShape(), "a decoded command is always one the guard can hold");
            }
            catch (final ProtocolException ex)
            {
                refused++;
                assertTrue(ex.getMessage() != null && !ex.getMessage().isEmpty());
            }
        }
        assertTrue(refused > 1_000, "refused=" + refused);
    }

    private static void randomCommand(final SplittableRandom random, final Command command)
    {
        command.reset();
        final CommandType[] types = CommandType.values();
        command.type = types[random.nextInt(types.length)];
        command.txId = random.nextLong();
        command.accountId = random.nextLong();
        command.debitAccountId = random.nextLong();
        command.creditAccountId = random.nextLong();
        command.assetId = random.nextInt();
        command.walletId = random.nextLong();
        command.toWalletId = random.nextLong();
        command.holdId = random.nextLong();
        command.amount = random.nextLong();
        command.reversedTxId = random.nextLong();
        command.accountKind = random.nextBoolean() ? null : AccountKind.values()[random.nextInt(3)];
        if (random.nextBoolean())
        {
            command.chainRef("btc:" + Long.toHexString(random.nextLong()) + ":" + random.nextInt(10));
        }
        if (random.nextBoolean())
        {
            command.memo("memo \u00e9 " + random.nextInt());
        }
        for (int i = 0, n = random.nextInt(3); i < n; i++)
        {
            command.addCreditLimit(random.nextInt(), random.nextLong());
        }
        command.expiresAtMs = random.nextBoolean() ? 0 : random.nextLong(0, Long.MAX_VALUE);
        for (int i = 0, n = random.nextInt(4); i < n; i++)
        {
            final byte[] signature = new byte[Command.SIGNATURE_LENGTH];
            random.nextBytes(signature);
            command.addApproval("key-" + i, signature);
        }
        if (command.type == CommandType.BATCH)
        {
            for (int i = 0, n = random.nextInt(Command.BATCH_COMMANDS_MAX + 1); i < n; i++)
            {
                final Command inner = command.addInner();
                inner.type = types[random.nextInt(types.length)];
                inner.txId = random.nextLong();
                inner.debitAccountId = random.nextLong();
                inner.holdId = random.nextLong();
                inner.amount = random.nextLong();
                inner.accountKind = random.nextBoolean() ? null : AccountKind.values()[random.nextInt(3)];
                if (random.nextBoolean())
                {
                    inner.chainRef(new String(new byte[] {'x', (byte)('a' + random.nextInt(26))},
                        StandardCharsets.US_ASCII));
                }
            }
        }
    }
}
