package io.ledgerguard.core.pipeline;

/**
 * Every test of {@link LedgerGuardTest} again, with the guard, journal and release stages fused on one thread
 * (issue 15).
 */
class FusedLedgerGuardTest extends LedgerGuardTest
{
    @Override
    PipelineContext context()
    {
        return new PipelineContext().fuseStages(true);
    }
}
