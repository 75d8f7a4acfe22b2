package io.ledgerguard.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonToken;

/**
 * One node of a parsed YAML document with the line it starts on, so that every error can name where it is. Jackson's
 * own tree model drops locations, hence this small one: a mapping (entries in document order), a list, or a scalar
 * with its token type and its text exactly as written.
 */
final class ConfigNode
{
    enum Kind
    {
        MAPPING,
        LIST,
        SCALAR
    }

    final Kind kind;
    final int line;
    final JsonToken token;
    final String text;
    private final Map<String, ConfigNode> entries;
    private final List<ConfigNode> items;

    private ConfigNode(
        final Kind kind,
        final int line,
        final JsonToken token,
        final String text,
        final Map<String, ConfigNode> entries,
        final List<ConfigNode> items)
    {
        this.kind = kind;
        this.line = line;
        this.token = token;
        this.text = text;
        this.entries = entries;
        this.items = items;
    }

    static ConfigNode mapping(final int line)
    {
        return new ConfigNode(Kind.MAPPING, line, JsonToken.START_OBJECT, null, new LinkedHashMap<>(), null);
    }

    static ConfigNode list(final int line)
    {
        return new ConfigNode(Kind.LIST, line, JsonToken.START_ARRAY, null, null, new ArrayList<>());
    }

    static ConfigNode scalar(final int line, final JsonToken token, final String text)
    {
        return new ConfigNode(Kind.SCALAR, line, token, text, null, null);
    }

    /**
     * @return the entries of a mapping, in document order.
     */
    Map<String, ConfigNode> entries()
    {
        assert kind == Kind.MAPPING : "entries of a " + kind;
        return Collections.unmodifiableMap(entries);
    }

    /**
     * @return the items of a list.
     */
    List<ConfigNode> items()
    {
        assert kind == Kind.LIST : "items of a " + kind;
        return Collections.unmodifiableList(items);
    }

    /**
     * @param name  the key.
     * @param value its value.
     * @return false when the key was already there (the mapping is unchanged then).
     */
    boolean put(final String name, final ConfigNode value)
    {
        assert kind == Kind.MAPPING : "put into a " + kind;
        return entries.putIfAbsent(name, value) == null;
    }

    void add(final ConfigNode value)
    {
        assert kind == Kind.LIST : "add to a " + kind;
        items.add(value);
    }

    /**
     * @return the node as an error message shows it after "was": a string quoted, anything else as written.
     */
    String describe()
    {
        switch (kind)
        {
            case MAPPING: return "a mapping";
            case LIST: return "a list";
            default:
                if (token == JsonToken.VALUE_NULL)
                {
                    return "null";
                }
                final String shown = text.length() > 64 ? text.substring(0, 64) + "..." : text;
                return token == JsonToken.VALUE_STRING ? '"' + shown + '"' : shown;
        }
    }
}
