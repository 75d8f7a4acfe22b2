package io.ledgerguard.json;

import java.io.Closeable;
import java.io.Flushable;
import java.io.IOException;
import java.io.Writer;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.json.JsonWriteFeature;

/**
 * The one way this package makes JSON generators, so that every file it writes is encoded alike: ASCII only (other
 * characters escaped, whatever the platform's charset), no separator between top-level values but the newline the
 * publishers write, and the target left open for the caller to close (it may be standard output).
 */
final class JsonOutput
{
    private static final JsonFactory FACTORY = new JsonFactoryBuilder()
        .rootValueSeparator((String)null)
        .enable(JsonWriteFeature.ESCAPE_NON_ASCII)
        .disable(StreamWriteFeature.AUTO_CLOSE_TARGET)
        .build();

    private JsonOutput()
    {
    }

    static JsonGenerator generator(final Writer out) throws IOException
    {
        return FACTORY.createGenerator(out);
    }

    /**
     * One JSON object per line over a writer it does not own: closing flushes the generator and the writer and
     * leaves the writer open, for the caller to close.
     */
    static final class LineWriter implements Flushable, Closeable
    {
        private final Writer out;
        private final JsonGenerator json;

        LineWriter(final Writer out) throws IOException
        {
            this.out = out;
            this.json = generator(out);
        }

        /**
         * @return the generator, positioned inside a new line's object.
         * @throws IOException when the object cannot be started.
         */
        JsonGenerator startLine() throws IOException
        {
            json.writeStartObject();
            return json;
        }

        /**
         * End the line's object and the line.
         *
         * @throws IOException when it cannot be written.
         */
        void endLine() throws IOException
        {
            json.writeEndObject();
            json.writeRaw('\n');
        }

        @Override
        public void flush() throws IOException
        {
            json.flush();
            out.flush();
        }

        @Override
        public void close() throws IOException
        {
            json.close();
            out.flush();
        }
    }
}
