package io.ledgerguard.core.pipeline;

/**
 * Every test of {@link PipelineFailureTest} again, with the guard, journal and release stages fused on one thread
 * (issue 15).
 */
class FusedPipelineFailureTest extends PipelineFailureTest
{
    @Override
    PipelineContext context()
    {
        return new PipelineContext().fuseStages(true);
    }
}
