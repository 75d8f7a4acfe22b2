package io.ledgerguard.json;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Reads a command file line by line with a bound on the line length, so that one runaway line cannot exhaust memory,
 * and decodes each line as strict UTF-8 on its own, so that one line of bad bytes is one malformed line rather than
 * the end of the replay. Lines end at {@code \n}; a {@code \r} before it and a byte-order mark at the start of the
 * file are dropped.
 */
public final class LineReader
{
    private static final int READ_BYTES = 64 * 1024;

    private final InputStream in;
    private final byte[] buffer = new byte[READ_BYTES];
    private final byte[] line;
    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
    private int position;
    private int limit;
    private int lineLength;
    private boolean tooLong;
    private long lineNumber;

    /**
     * @param in            the input, read in blocks; not closed here.
     * @param lineBytesMax  the longest line kept; a longer one is reported by {@link #isTooLong()}.
     */
    public LineReader(final InputStream in, final int lineBytesMax)
    {
        this.in = in;
        this.line = new byte[lineBytesMax];
    }

    /**
     * Move to the next line.
     *
     * @return false at the end of the input.
     * @throws IOException when the input cannot be read.
     */
    public boolean next() throws IOException
    {
        lineLength = 0;
        tooLong = false;
        boolean any = false;
        while (true)
        {
            if (position == limit)
            {
                position = 0;
                limit = Math.max(0, in.read(buffer, 0, buffer.length));
                if (limit == 0)
                {
                    if (!any)
                    {
                        return false;
                    }
                    break;
                }
            }
            any = true;
            int end = position;
            while (end < limit && buffer[end] != '\n')
            {
                end++;
            }
            append(position, end - position);
            if (end < limit)
            {
                position = end + 1;
                break;
            }
            position = limit;
        }
        lineNumber++;
        if (!tooLong && lineLength > 0 && line[lineLength - 1] == '\r')
        {
            lineLength--;
        }
        return true;
    }

    private void append(final int offset, final int length)
    {
        final int room = line.length - lineLength;
        if (length > room)
        {
            tooLong = true;
        }
        final int copied = Math.min(length, room);
        System.arraycopy(buffer, offset, line, lineLength, copied);
        lineLength += copied;
    }

    /**
     * @return the current line's number, from 1.
     */
    public long lineNumber()
    {
        return lineNumber;
    }

    /**
     * @return true when the current line is longer than the bound; its text is then cut short.
     */
    public boolean isTooLong()
    {
        return tooLong;
    }

    /**
     * @return the current line as text.
     * @throws CharacterCodingException when it is not UTF-8.
     */
    public String text() throws CharacterCodingException
    {
        int offset = 0;
        if (lineNumber == 1 && lineLength >= 3 &&
            line[0] == (byte)0xEF && line[1] == (byte)0xBB && line[2] == (byte)0xBF)
        {
            offset = 3;
        }
        return decoder.decode(ByteBuffer.wrap(line, offset, lineLength - offset)).toString();
    }
}
