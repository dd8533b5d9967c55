package org.simdcnn.bench;

import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;

/**
 * {@link PeakFmaBench} on two JMH threads at once: the two-core FMA peak, against which the two-thread figures
 * are reported. The score is the time of one call on one thread, so the machine's rate is
 * {@code 2 * PeakFmaBench.flopsPerCall() / score}.
 */
@State(Scope.Thread)
@Threads(2)
public class PeakFma2Bench extends PeakFmaBench {
}
