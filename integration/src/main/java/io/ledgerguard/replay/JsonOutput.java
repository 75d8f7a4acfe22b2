package io.ledgerguard.replay;

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
}
