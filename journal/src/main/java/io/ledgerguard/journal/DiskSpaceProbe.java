package io.ledgerguard.journal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How much space the file system holding a journal has left. The journal asks before each new stretch of disk it
 * allocates ({@link ChronicleJournal}); tests inject a probe to run out of space, or to fail, on cue.
 */
@FunctionalInterface
public interface DiskSpaceProbe
{
    /** The file store's usable space, as {@code statvfs} reports it to this process. */
    DiskSpaceProbe FILE_STORE = directory -> Files.getFileStore(directory).getUsableSpace();

    /**
     * @param directory the journal's directory; it exists.
     * @return bytes this process may still write on its file system.
     * @throws IOException when the file system cannot be asked.
     */
    long usableBytes(Path directory) throws IOException;
}
