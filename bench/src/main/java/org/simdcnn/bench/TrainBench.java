package org.simdcnn.bench;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.simdcnn.SimdCnn;
import org.simdcnn.nn.CrossEntropyLoss;
import org.simdcnn.nn.Init;
import org.simdcnn.nn.Models;
import org.simdcnn.nn.Sequential;
import org.simdcnn.optim.Adam;
import org.simdcnn.tensor.Tensor;

/**
 * The seed's MNIST CNN ({@link Models#mnistCnn()}) at batch 64: one training step (forward, cross-entropy,
 * backward, Adam) and one eval-mode inference call. Scores are images per second (ops = images). {@code threads}
 * is the kernel thread count ({@link SimdCnn#setThreads}); the benchmark itself is single-threaded.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class TrainBench {
    static final int BATCH = 64;

    @Param({"1", "2"})
    public int threads;

    Sequential trainNet;
    Sequential evalNet;
    Adam adam;
    CrossEntropyLoss loss;
    Tensor x;
    int[] labels;

    @Setup(Level.Trial)
    public void setup() {
        SimdCnn.setThreads(threads);
        Init.manualSeed(1);
        trainNet = Models.mnistCnn();
        evalNet = Models.mnistCnn();
        evalNet.loadStateDict(trainNet.stateDict());
        evalNet.eval();
        adam = new Adam(trainNet.parameters(), 1e-3f);
        loss = new CrossEntropyLoss();
        x = Tensor.uniform(2, 0f, 1f, BATCH, 1, 28, 28);
        labels = new int[BATCH];
        for (int i = 0; i < BATCH; i++) {
            labels[i] = (i * 7) % 10;
        }
        System.out.println("\n" + SimdCnn.info());
    }

    /**
     * Forward + cross-entropy + backward (parameter gradients only, as PyTorch computes none for the input images)
     * + Adam step on 64 images.
     */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public float trainStep() {
        adam.zeroGrad();
        Tensor logits = trainNet.forward(x);
        float l = loss.forward(logits, labels);
        trainNet.backwardParameters(loss.backward()); // no gradient for the input images, as in PyTorch
        adam.step();
        return l;
    }

    /** Eval-mode forward of 64 images. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public Tensor inference() {
        return evalNet.forward(x);
    }
}
