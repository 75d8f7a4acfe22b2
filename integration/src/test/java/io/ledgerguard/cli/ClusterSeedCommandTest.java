package io.ledgerguard.cli;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code cluster seed} refuses what it must not copy into, or cannot copy for, before it starts anything: a directory
 * that holds a node (or anything), an id that is not a member, a key file that cannot be read. The copy itself is
 * {@code ClusterProcessesTest}'s and the cluster module's.
 */
class ClusterSeedCommandTest
{
    private static final String MEMBERS = "localhost:29600,localhost:29610,localhost:29620";

    @TempDir
    Path temp;

    @Test
    void shouldRefuseADirectoryThatIsNotEmpty() throws Exception
    {
        final Path dir = Files.createDirectories(temp.resolve("node-2"));
        Files.writeString(dir.resolve("journal"), "an old node's");
        final CliRun run = CliRun.execute("cluster", "seed", "--id", "2", "--members", MEMBERS, "--dir",
            dir.toString());
        assertEquals(1, run.code, run.text());
        assertTrue(run.err.contains("is not empty (it holds journal)") && run.err.contains("move it aside"),
            run.text());
        assertFalse(Files.exists(dir.resolve("seeded-from-snapshot")), "no mark");
    }

    @Test
    void shouldRefuseAnIdThatIsNotAMember()
    {
        final CliRun run = CliRun.execute("cluster", "seed", "--id", "3", "--members", MEMBERS, "--dir",
            temp.resolve("node-3").toString());
        assertEquals(2, run.code, run.text());
        assertTrue(run.err.contains("--id 3 is not a member: --members names 3 (ids 0..2)"), run.text());
        assertFalse(Files.exists(temp.resolve("node-3")), "nothing created");
    }

    @Test
    void shouldRefuseAKeyFileThatCannotBeRead()
    {
        final CliRun run = CliRun.execute("cluster", "seed", "--id", "1", "--members", MEMBERS, "--dir",
            temp.resolve("node-1").toString(), "--cluster-key", temp.resolve("missing.key").toString());
        assertEquals(2, run.code, run.text());
        assertTrue(run.err.contains("--cluster-key " + temp.resolve("missing.key")), run.text());
    }
}
