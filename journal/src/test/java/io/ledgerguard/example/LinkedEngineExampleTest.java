package io.ledgerguard.example;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Keeps the README's linking example true: it compiles (it is {@link LinkedEngineExample}), it runs, a second run
 * recovers the journal and answers the same commands as before, and the README shows the code as it is.
 */
class LinkedEngineExampleTest
{
    @TempDir
    Path temp;

    @Test
    void shouldRunRecoverAndAnswerAgainAsBefore()
    {
        final Path journal = temp.resolve("journal");
        assertEquals(List.of("attest:   OK", "inflow:   OK", "deposit:  OK", "transfer: INSUFFICIENT_AVAILABLE"),
            run(journal));
        // Restarted: recovered from the journal, the same txIds get their original decisions.
        assertEquals(List.of("attest:   OK", "inflow:   OK", "deposit:  OK",
            "transfer: INSUFFICIENT_AVAILABLE (again)"), run(journal));
    }

    @Test
    void shouldBeShownInTheReadmeAsItIs() throws IOException
    {
        final List<String> source = Files.readAllLines(
            Path.of("src", "test", "java", "io", "ledgerguard", "example", "LinkedEngineExample.java"));
        final List<String> shown = new ArrayList<>();
        boolean inside = false;
        for (final String line : source)
        {
            if (line.trim().equals("// README:end"))
            {
                inside = false;
            }
            if (inside)
            {
                shown.add(line.length() >= 8 ? line.substring(8) : line.trim());
            }
            if (line.trim().equals("// README:begin"))
            {
                inside = true;
            }
        }
        assertTrue(shown.size() > 20, "the example's marked part");
        final String readme = Files.readString(Path.of("..", "README.md"));
        assertTrue(readme.contains("```java\n" + String.join("\n", shown) + "\n```"),
            "README.md shows LinkedEngineExample's marked part, de-indented by 8, in a java block");
    }

    private static List<String> run(final Path journal)
    {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        LinkedEngineExample.run(journal, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        return List.of(bytes.toString(StandardCharsets.UTF_8).split("\n"));
    }
}
