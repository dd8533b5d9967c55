#!/usr/bin/env bash
# Builds the benchmark jar, runs the conv / SGEMM / FMA-peak / ONNX Runtime suite with JMH, and writes RESULTS.md.
#
#   bench/run.sh                     # the full measured run (about 20 minutes on 2 cores)
#   bench/run.sh -wi 1 -i 1 -r 1 -w 1 # smoke: any extra arguments go to JMH and override the annotations
#
# JMH_JAVA_OPTS='-Djmh.ignoreLock=true' lets a run proceed while another JMH holds /tmp/jmh.lock (smoke only).
# Outputs: bench/results.json (JMH JSON: every iteration; the report quotes their medians), bench/results.log (JMH
# log), bench/RESULTS.md (the report), and
# bench/results-pytorch-conv.csv (bench/pytorch_anchor.py, when $PYTHON, default /usr/bin/python3, has torch), and
# bench/results-interleaved.md (InterleavedConv: ours and ONNX Runtime interleaved in one JVM, 1 thread).
# Run it on a quiet machine: every other process on the cores lowers the figures (the report records the load).
set -euo pipefail
BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
export JAVA_HOME
JAVA="$JAVA_HOME/bin/java"
SUITE='^org\.simdcnn\.bench\.(PeakFmaBench|PeakFma2Bench|SgemmBench|ConvBench|ConvBackwardBench|MnistInferenceBench)\.'
RESULTS="$BENCH_DIR/results.json"
LOG="$BENCH_DIR/results.log"

"$JAVA" -version 2>&1 | head -1
mvn -q -f "$BENCH_DIR/pom.xml" package
# shellcheck disable=SC2086  # JMH_JAVA_OPTS is a list of JVM options for the JMH host JVM (not the forks)
"$JAVA" ${JMH_JAVA_OPTS:-} -jar "$BENCH_DIR/target/benchmarks.jar" "$SUITE" -prof gc -rf json -rff "$RESULTS" "$@" 2>&1 | tee "$LOG"
# PyTorch on this machine right after (optional: needs a Python with torch, e.g. Debian's python3-torch)
rm -f "$BENCH_DIR/results-pytorch-conv.csv" "$BENCH_DIR/results-interleaved.md"
PYTHON="${PYTHON:-/usr/bin/python3}"
if "$PYTHON" -c 'import torch' 2>/dev/null; then
    "$PYTHON" "$BENCH_DIR/pytorch_anchor.py" "$BENCH_DIR/results-pytorch-conv.csv" conv 2>&1 | tee -a "$LOG"
else
    echo "PyTorch anchor skipped: $PYTHON cannot import torch (set PYTHON=... to a Python with PyTorch)" | tee -a "$LOG"
fi
# ours and ONNX Runtime interleaved in one JVM (one thread): ratios a noisy neighbour cannot bias toward one side
"$JAVA" --add-modules jdk.incubator.vector -cp "$BENCH_DIR/target/benchmarks.jar" org.simdcnn.bench.InterleavedConv 40 \
    2>&1 | tee -a "$LOG" | grep '^|' > "$BENCH_DIR/results-interleaved.md" || true
"$JAVA" --add-modules jdk.incubator.vector -cp "$BENCH_DIR/target/benchmarks.jar" org.simdcnn.bench.Report \
    "$RESULTS" "$BENCH_DIR/RESULTS.md" "bench/run.sh $*" 2>&1 | grep -v '^WARNING\|BackendProvider\|^INFO'
