package io.ledgerguard.core;

/**
 * A configuration that cannot be used, naming the offending key (as a path like {@code assets[1].code}) and why.
 */
public final class ConfigurationException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    private final String key;

    /**
     * @param key     the path of the offending key.
     * @param problem what is wrong with it.
     */
    public ConfigurationException(final String key, final String problem)
    {
        super(key + ": " + problem);
        this.key = key;
    }

    /**
     * @return the path of the offending key.
     */
    public String key()
    {
        return key;
    }
}
