#!/usr/bin/env bash
# Builds the benchmark jar, runs the elementwise suite (activations, transcendental core, copy, pooling, softmax,
# batch norm), the MNIST training/inference benchmark and the ulp sweep, and writes their part of RESULTS.md.
#
#   bench/run-elem.sh                          # the measured run (about 30 minutes on 2 cores)
#   bench/run-elem.sh -wi 1 -i 1 -w 1 -r 1     # smoke: extra arguments go to JMH (both JMH runs)
#
# Outputs: bench/results-elem.csv, bench/results-train.csv (JMH CSV), bench/results-ulp.csv (UlpSweep),
# bench/results-pytorch.csv (bench/pytorch_anchor.py, when $PYTHON, default /usr/bin/python3, has torch),
# bench/results-elem.log, and the part of bench/RESULTS.md after the elementwise marker (the conv part that
# bench/run.sh writes is kept). Run it on a quiet machine. UlpSweep's stride: ULP_STRIDE (default 7).
set -euo pipefail
BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
export JAVA_HOME
JAVA="$JAVA_HOME/bin/java"
JAR="$BENCH_DIR/target/benchmarks.jar"
SUITE='^org\.simdcnn\.bench\.(MathBench|ActivationBench|ActivationBackwardBench|CopyBench|PoolBench|SoftmaxBench|BatchNormBench)\.'
LOG="$BENCH_DIR/results-elem.log"

"$JAVA" -version 2>&1 | head -1
mvn -q -f "$BENCH_DIR/pom.xml" package
# 5 warm-up iterations: C2 needs about that long to compile the Vector API kernels (fewer left some benchmarks
# measuring interpreted or C1 code, which boxes every vector)
# shellcheck disable=SC2086  # JMH_JAVA_OPTS: JVM options of the JMH host JVM, a list
"$JAVA" ${JMH_JAVA_OPTS:-} -jar "$JAR" "$SUITE" -wi 5 -i 4 -w 1 -r 1 -f 1 -rf csv -rff "$BENCH_DIR/results-elem.csv" "$@" \
    2>&1 | tee "$LOG"
# PyTorch on this machine, same session (optional: needs a Python with torch, e.g. Debian's python3-torch)
rm -f "$BENCH_DIR/results-pytorch.csv"
PYTHON="${PYTHON:-/usr/bin/python3}"
if "$PYTHON" -c 'import torch' 2>/dev/null; then
    "$PYTHON" "$BENCH_DIR/pytorch_anchor.py" "$BENCH_DIR/results-pytorch.csv" elem 2>&1 | tee -a "$LOG"
else
    echo "PyTorch anchor skipped: $PYTHON cannot import torch (set PYTHON=... to a Python with PyTorch)" | tee -a "$LOG"
fi
# shellcheck disable=SC2086
"$JAVA" ${JMH_JAVA_OPTS:-} -jar "$JAR" '^org\.simdcnn\.bench\.TrainBench\.' -wi 2 -i 5 -f 1 -rf csv \
    -rff "$BENCH_DIR/results-train.csv" "$@" 2>&1 | tee -a "$LOG"
"$JAVA" --add-modules jdk.incubator.vector -Dsimdcnn.threads=1 -cp "$JAR" org.simdcnn.bench.UlpSweep \
    "${ULP_STRIDE:-7}" "$BENCH_DIR/results-ulp.csv" 2>&1 | grep -v '^WARNING' | tee -a "$LOG"
"$JAVA" --add-modules jdk.incubator.vector -Dsimdcnn.threads=1 -cp "$JAR" org.simdcnn.bench.ElemReport \
    "$BENCH_DIR/results-elem.csv" "$BENCH_DIR/results-train.csv" "$BENCH_DIR/results-ulp.csv" \
    "$BENCH_DIR/RESULTS.md" "bench/run-elem.sh $*" 2>&1 | grep -v '^WARNING\|BackendProvider\|^INFO'
