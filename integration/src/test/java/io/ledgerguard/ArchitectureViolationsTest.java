package io.ledgerguard;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import io.ledgerguard.gateway.AdminServer;
import io.ledgerguard.json.AlertPublisher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Proves that every rule of {@link ArchitectureTest} fails on code that breaks it, so that none of them passes only
 * because it can never fail: the rules are evaluated against test classes written to break them (a codec in
 * {@code json} that reaches for everything it must not, a client class that reaches into the gateway) and a gateway
 * class that uses {@code json}, which with the codec makes a cycle.
 */
class ArchitectureViolationsTest
{
    /** Package-private in the packages whose rules they break, so found by name. */
    private static final String[] VIOLATIONS = {
        "io.ledgerguard.json.JsonArchitectureViolation", "io.ledgerguard.client.ClientUsingTheServerViolation"};
    private static final JavaClasses BROKEN = new ClassFileImporter().importClasses(brokenClasses());

    @ParameterizedTest(name = "{0}")
    @MethodSource("rules")
    void shouldFailOnCodeThatBreaksTheRule(final String name, final ArchRule rule)
    {
        assertTrue(rule.evaluate(BROKEN).hasViolation(), name + " found nothing wrong in code written to break it");
    }

    @Test
    void shouldCheckEveryRuleOfTheArchitectureTest()
    {
        assertEquals(12, rules().size(), "a rule added to ArchitectureTest is checked here too: adjust the count");
    }

    static List<Arguments> rules()
    {
        final List<Arguments> rules = new ArrayList<>();
        for (final Field field : ArchitectureTest.class.getDeclaredFields())
        {
            if (Modifier.isStatic(field.getModifiers()) && field.getType() == ArchRule.class)
            {
                try
                {
                    rules.add(Arguments.of(field.getName(), field.get(null)));
                }
                catch (final IllegalAccessException ex)
                {
                    throw new IllegalStateException(ex);
                }
            }
        }
        return rules;
    }

    private static Class<?>[] brokenClasses()
    {
        final List<Class<?>> classes = new ArrayList<>();
        for (final String name : VIOLATIONS)
        {
            try
            {
                classes.add(Class.forName(name, false, ArchitectureViolationsTest.class.getClassLoader()));
            }
            catch (final ClassNotFoundException ex)
            {
                throw new IllegalStateException("the test class written to break the rules is gone: " + name, ex);
            }
        }
        // A gateway class and the json class it uses: with the codec that uses the gateway, a cycle.
        classes.add(AdminServer.class);
        classes.add(AlertPublisher.class);
        return classes.toArray(new Class<?>[0]);
    }
}
