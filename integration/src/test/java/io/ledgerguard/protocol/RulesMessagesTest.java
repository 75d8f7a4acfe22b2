package io.ledgerguard.protocol;

import java.nio.file.Path;

import org.agrona.ExpandableArrayBuffer;
import org.junit.jupiter.api.Test;

import io.ledgerguard.config.ConfigLoader;
import io.ledgerguard.core.GuardConfig;
import io.ledgerguard.core.Rules;
import io.ledgerguard.core.RulesInForce;
import io.ledgerguard.protocol.sbe.MessageHeaderDecoder;
import io.ledgerguard.protocol.sbe.RulesInForceDecoder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code RulesInForce} message a guard cluster's leader tells its clients' sessions: the rules come back whole, a
 * request is one, and a frame that lies about its text's length is refused as a protocol error, not an exception of
 * another kind.
 */
class RulesMessagesTest
{
    private final RulesMessages messages = new RulesMessages();
    private final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(64);

    @Test
    void shouldCarryTheRulesWhole() throws Exception
    {
        final GuardConfig config = ConfigLoader.load(Path.of("..", "examples", "config.yaml"));
        final int length = messages.encode(new RulesInForce(config, 17, 9, 3), buffer, 0);

        assertTrue(messages.isRules(buffer, 0, length));
        final RulesMessages.Received told = messages.decode(buffer, 0, length);
        assertEquals(3, told.changes());
        assertEquals(17, told.changeSeq());
        assertEquals(9, told.approversSeq());
        assertEquals(Rules.settings(config), Rules.parse(told.settings()));
        assertEquals(Rules.settings(config), Rules.settings(Rules.build(Rules.parse(told.settings()),
            config.limits())), "built back into the same rules");
    }

    @Test
    void shouldAskWithAnEmptyMessage() throws Exception
    {
        final int length = messages.encodeRequest(buffer, 0);
        assertTrue(messages.isRules(buffer, 0, length));
        final RulesMessages.Received request = messages.decode(buffer, 0, length);
        assertEquals(-1, request.changes());
        assertEquals("", request.settings());
    }

    @Test
    void shouldRefuseAFrameThatLiesAboutItsTextsLength()
    {
        final int length = messages.encodeRequest(buffer, 0);
        final int lengthField = MessageHeaderDecoder.ENCODED_LENGTH + RulesInForceDecoder.BLOCK_LENGTH;
        buffer.putInt(lengthField, 0x8000_0000);
        assertThrows(ProtocolException.class, () -> messages.decode(buffer, 0, length), "a negative length");
        buffer.putInt(lengthField, 100);
        assertThrows(ProtocolException.class, () -> messages.decode(buffer, 0, length), "beyond the frame");
        assertThrows(ProtocolException.class, () -> messages.decode(buffer, 0, 4), "shorter than a header");
    }
}
