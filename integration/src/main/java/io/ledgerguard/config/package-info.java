/**
 * Loading the guard's configuration (SPEC §9) from YAML into a concluded {@link io.ledgerguard.core.GuardConfig}:
 * {@link io.ledgerguard.config.ConfigLoader} rejects unknown keys, wrong types and bad values, naming the key path
 * and, where the YAML parser knows it, the line.
 */
package io.ledgerguard.config;
