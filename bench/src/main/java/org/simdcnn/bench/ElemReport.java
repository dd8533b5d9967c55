package org.simdcnn.bench;

import static org.simdcnn.bench.Report.f1;
import static org.simdcnn.bench.Report.f3;
import static org.simdcnn.bench.Report.fmt;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.simdcnn.SimdCnn;
import org.simdcnn.bench.Report.Row;

/**
 * Writes the elementwise, pooling, softmax, batch-norm, accuracy and training sections of {@code RESULTS.md} from
 * the outputs of {@code bench/run-elem.sh}: JMH's CSV of the elementwise suite (average time), JMH's CSV of
 * {@code TrainBench} (throughput) and {@link UlpSweep}'s CSV. Everything from {@link #MARKER} to the end of the
 * file is replaced; the text before it (the conv report {@link Report} writes) is kept, and {@link Report} keeps
 * this part when it rewrites its own.
 *
 * <pre>
 * ElemReport results-elem.csv results-train.csv ulp.csv RESULTS.md [command ...]
 * </pre>
 * A missing input file leaves its section saying so.
 */
public final class ElemReport {
    /** The first line of the part this class writes. */
    static final String MARKER = "<!-- elementwise part: written by bench/run-elem.sh (ElemReport); "
            + "bench/run.sh keeps it -->";

    private static final String NA = "–";
    private static final String[] ACTIVATIONS = {"RELU", "LEAKY_RELU", "ELU", "SIGMOID", "TANH", "GELU", "GELU_TANH",
        "SILU", "SOFTPLUS", "HARDSWISH"};
    private static final String[] TRANSCENDENTAL = {"ELU", "SIGMOID", "TANH", "GELU", "GELU_TANH", "SILU",
        "SOFTPLUS"};
    /** Issue 4's PyTorch 1.13 figures (ns/element, 1M floats, one thread), measured on an AMD Zen 5 machine. */
    private static final Map<String, Double> PYTORCH_QUOTED = Map.of("RELU", 0.095, "LEAKY_RELU", 0.103, "SIGMOID",
            0.251, "ELU", 0.331, "TANH", 1.136);

    private final List<Row> rows;
    /** PyTorch measured on this machine by {@code pytorch_anchor.py}: "group/name/variant" to value; may be empty. */
    private final Map<String, Double> torch = new HashMap<>();
    private String torchHeader = "";
    private final StringBuilder md = new StringBuilder();
    private final List<String[]> targets = new ArrayList<>();

    ElemReport(List<Row> rows) {
        this.rows = rows;
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 4) {
            System.err.println("usage: ElemReport results-elem.csv results-train.csv ulp.csv RESULTS.md [command]");
            System.exit(2);
        }
        Path elem = Path.of(args[0]);
        Path train = Path.of(args[1]);
        Path ulp = Path.of(args[2]);
        Path out = Path.of(args[3]);
        String command = args.length > 4 ? String.join(" ", List.of(args).subList(4, args.length)) : "(not given)";
        List<Row> rows = Files.exists(elem) ? Report.parse(Files.readString(elem, StandardCharsets.UTF_8))
                : List.of();
        ElemReport r = new ElemReport(rows);
        Path torchCsv = (elem.getParent() == null ? Path.of(".") : elem.getParent()).resolve("results-pytorch.csv");
        if (Files.exists(torchCsv)) {
            r.readTorch(Files.readString(torchCsv, StandardCharsets.UTF_8));
        }
        String part = r.render(elem, train, ulp, command);
        String before = "";
        if (Files.exists(out)) {
            String old = Files.readString(out, StandardCharsets.UTF_8);
            int cut = old.indexOf(MARKER);
            before = cut >= 0 ? old.substring(0, cut) : old + "\n";
        }
        Files.writeString(out, before + part, StandardCharsets.UTF_8);
        System.out.println("wrote the elementwise part of " + out + " from " + rows.size() + " results");
    }

    /** Reads {@code pytorch_anchor.py}'s CSV: a comment line, a header, then group,name,variant,value,... */
    void readTorch(String text) {
        for (List<String> r : Report.csvRecords(text)) {
            if (r.isEmpty()) {
                continue;
            }
            if (r.get(0).startsWith("#")) {
                torchHeader = r.get(0).substring(1).trim();
            } else if (r.size() >= 4 && !r.get(0).equals("group")) {
                torch.put(r.get(0) + "/" + r.get(1) + "/" + r.get(2), Double.parseDouble(r.get(3)));
            }
        }
    }

    private double torch(String group, String name, String variant) {
        Double v = torch.get(group + "/" + name + "/" + variant);
        return v == null ? Double.NaN : v;
    }

    String render(Path elem, Path train, Path ulp, String command) throws IOException {
        md.append(MARKER).append("\n\n# Elementwise kernels, pooling, softmax, batch norm (issue 4)\n\n");
        if (rows.isEmpty()) {
            md.append("No elementwise results (`").append(elem.getFileName()).append("` missing or empty).\n\n");
        }
        int minSamples = rows.stream().mapToInt(Row::samples).min().orElse(0);
        if (!rows.isEmpty() && minSamples < 3) {
            md.append("> **Smoke run, not a measurement**: some benchmarks have only ").append(minSamples)
                    .append(" measurement sample(s).\n\n");
        }
        md.append("- Machine: ").append(Report.cpuModel()).append(", ")
                .append(Runtime.getRuntime().availableProcessors()).append(" CPUs available to the JVM")
                .append(Report.avx512() ? ", AVX-512" : "").append('\n');
        md.append("- JDK: ").append(Runtime.version()).append(" (").append(System.getProperty("java.vm.name"))
                .append(")\n");
        String info;
        try {
            info = SimdCnn.info().toString();
        } catch (RuntimeException | LinkageError e) {
            info = "unavailable (" + e + ")";
        }
        md.append("- Library: ").append(info).append('\n');
        md.append("- Date: ").append(ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ISO_INSTANT))
                .append(" (part written; results from `").append(elem.getFileName()).append("`, `")
                .append(train.getFileName()).append("`, `").append(ulp.getFileName()).append("`)\n");
        md.append("- Load average when the part was written: ").append(Report.loadAvg()).append('\n');
        md.append("- Command: `").append(command).append("`\n\n");
        md.append("Every kernel runs on one thread (`-Dsimdcnn.threads=1`); JMH average time, one fork. “±” is JMH's ")
                .append("99.9% confidence half-width relative to the score. `simd` = the library's SIMD backend, ")
                .append("`scalar` = its double-precision reference backend, `plain` = a plain Java float loop on ")
                .append("`java.lang.Math`. “–” = not in the results.\n\n");
        activations();
        math();
        accuracy(ulp);
        pooling();
        softmax();
        batchNorm();
        targetTable();
        training(train);
        return md.toString();
    }

    // ---- sections ------------------------------------------------------------------------------------------

    private void activations() {
        double copy = ns("CopyBench.vectorCopy", Map.of());
        double arraycopy = ns("CopyBench.arraycopy", Map.of());
        md.append("## Activations, 1M floats\n\n")
                .append("ns per element; GB/s counts 8 bytes per element (one float read, one written). ")
                .append("“PyTorch here” is PyTorch measured on this machine in the same session by ")
                .append("`bench/pytorch_anchor.py` (one thread, into a preallocated output; ")
                .append(torchHeader.isEmpty() ? "not run" : torchHeader)
                .append("; its plain copy `y.copy_(x)`: ").append(f3(torch("activation", "COPY", "out")))
                .append(" ns/element); “quoted” is issue 4's figure from an AMD Zen 5 machine, not measured here. ")
                .append("The plain vector copy of this machine: ").append(f3(copy))
                .append(" ns/element (`System.arraycopy`: ").append(f3(arraycopy)).append(").\n\n")
                .append("| activation | ours fwd | ± | GB/s | plain loop | ours / plain speed-up | scalar ref fwd ")
                .append("| PyTorch here | PyTorch / ours | PyTorch 1.13 (quoted, Zen 5) | ours bwd | ± ")
                .append("| scalar ref bwd | bwd speed-up |\n")
                .append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (String a : ACTIVATIONS) {
            Map<String, String> simd = Map.of("kind", a, "impl", "simd");
            Map<String, String> scalar = Map.of("kind", a, "impl", "scalar");
            double fwd = ns("ActivationBench.forward", simd);
            double plain = ns("ActivationBench.forward", Map.of("kind", a, "impl", "plain"));
            double bwd = ns("ActivationBackwardBench.backward", simd);
            double bwdRef = ns("ActivationBackwardBench.backward", scalar);
            Double pt = PYTORCH_QUOTED.get(a);
            md.append("| ").append(a).append(" | ").append(f3(fwd)).append(" | ")
                    .append(pm("ActivationBench.forward", simd)).append(" | ").append(f1(8 / fwd)).append(" | ")
                    .append(f3(plain)).append(" | ").append(x(plain / fwd)).append(" | ")
                    .append(f3(ns("ActivationBench.forward", scalar))).append(" | ")
                    .append(f3(torch("activation", a, "out"))).append(" | ")
                    .append(fmt("%.2f×", torch("activation", a, "out") / fwd)).append(" | ")
                    .append(pt == null ? NA : f3(pt)).append(" | ").append(f3(bwd)).append(" | ")
                    .append(pm("ActivationBackwardBench.backward", simd)).append(" | ").append(f3(bwdRef))
                    .append(" | ").append(x(bwdRef / bwd)).append(" |\n");
        }
        md.append('\n');
        for (String a : new String[] {"RELU", "LEAKY_RELU"}) {
            double r = ns("ActivationBench.forward", Map.of("kind", a, "impl", "simd")) / copy;
            targets.add(new String[] {a + " forward ≤ 1.2× a plain vector copy", fmt("%.2f×", r) + " of the copy",
                verdict(r <= 1.2, r)});
        }
        for (String a : PYTORCH_QUOTED.keySet().stream().sorted().toList()) {
            double ours = ns("ActivationBench.forward", Map.of("kind", a, "impl", "simd"));
            double pt = torch("activation", a, "out");
            targets.add(new String[] {a + " forward ≤ PyTorch's, measured here", f3(ours) + " vs " + f3(pt)
                + " ns (" + fmt("%.2f×", ours / pt) + ")", verdict(ours <= pt, ours / pt)});
        }
        for (String a : TRANSCENDENTAL) {
            double s = ns("ActivationBench.forward", Map.of("kind", a, "impl", "plain"))
                    / ns("ActivationBench.forward", Map.of("kind", a, "impl", "simd"));
            targets.add(new String[] {a + " forward ≥ 8× the plain Java loop", x(s), verdict(s >= 8, s)});
        }
    }

    private void math() {
        md.append("## Transcendental core, ns per element (`MathBench`, 64K floats)\n\n")
                .append("| function | ours (`VectorMath`) | Vector API lanewise op | `java.lang.Math` loop ")
                .append("| lanewise / ours |\n|---|---|---|---|---|\n");
        for (String f : new String[] {"exp", "log", "tanh"}) {
            double ours = ns("MathBench.simdcnn", Map.of("fn", f));
            double lane = ns("MathBench.vectorApiLanewise", Map.of("fn", f));
            md.append("| ").append(f).append(" | ").append(f3(ours)).append(" | ").append(f3(lane)).append(" | ")
                    .append(f3(ns("MathBench.javaLangMath", Map.of("fn", f)))).append(" | ").append(x(lane / ours))
                    .append(" |\n");
        }
        md.append('\n');
    }

    private void accuracy(Path ulp) throws IOException {
        md.append("## Accuracy: max error in ulps over a strided sweep of all float bit patterns (`UlpSweep`)\n\n");
        if (!Files.exists(ulp)) {
            md.append("Not run (`").append(ulp.getFileName()).append("` missing).\n\n");
            return;
        }
        md.append("Against the double-precision `java.lang.Math` result (`VectorMath.ulpError`); NaN, ±0, ±Inf ")
                .append("and subnormals are inside the sweep and must match exactly where the result is not ")
                .append("finite. Bound: 2 ulp.\n\n| function | values checked | max ulp | worst input |\n")
                .append("|---|---|---|---|\n");
        List<List<String>> recs = Report.csvRecords(Files.readString(ulp, StandardCharsets.UTF_8));
        for (int i = 1; i < recs.size(); i++) {
            List<String> r = recs.get(i);
            if (r.size() < 5) {
                continue;
            }
            double worst = Double.parseDouble(r.get(2));
            md.append("| ").append(r.get(0)).append(" | ").append(String.format(Locale.ROOT, "%,d",
                    Long.parseLong(r.get(1)))).append(" | ").append(f3(worst)).append(" | ").append(r.get(4))
                    .append(" (bits ").append(r.get(3)).append(") |\n");
            targets.add(new String[] {r.get(0) + " max error ≤ 2 ulp", f3(worst) + " ulp", verdict(worst <= 2,
                    worst)});
        }
        md.append('\n');
    }

    private void pooling() {
        md.append("## Pooling (`PoolBench`), µs per call and ns per input element\n\n")
                .append("PyTorch here: `F.max_pool2d(x, ..., return_indices=True)` on this machine in the same ")
                .append("session (`bench/pytorch_anchor.py`), forward only.\n\n")
                .append("| shape | geometry | pass | ours µs | ± | ours ns / input element | scalar ref µs ")
                .append("| speed-up | PyTorch here, ns / input element |\n|---|---|---|---|---|---|---|---|---|\n");
        for (String shape : paramValues("PoolBench.forward", "shape")) {
            var g = PoolBench.geometry(shape);
            String geo = shape.equals("resnetGap") ? "global average of " + g.batch() + "x" + g.channels() + "x7x7"
                    : g.toString();
            for (String pass : new String[] {"forward", "backward"}) {
                Map<String, String> simd = Map.of("shape", shape, "impl", "simd");
                double us = ns("PoolBench." + pass, simd) / 1e3;
                double ref = ns("PoolBench." + pass, Map.of("shape", shape, "impl", "scalar")) / 1e3;
                double perElem = us * 1e3 / g.inputSize();
                md.append("| ").append(shape).append(" | ").append(geo).append(" | ").append(pass).append(" | ")
                        .append(f1(us)).append(" | ").append(pm("PoolBench." + pass, simd)).append(" | ")
                        .append(f3(perElem)).append(" | ").append(f1(ref)).append(" | ").append(x(ref / us))
                        .append(" | ").append(pass.equals("forward") ? f3(torch("maxpool2d_forward", shape,
                                "indices")) : NA).append(" |\n");
                if (pass.equals("forward") && shape.startsWith("mnist")) {
                    targets.add(new String[] {"MaxPool2d(2) forward on " + shape + " ≤ 0.3 ns per input element",
                        f3(perElem) + " ns", verdict(perElem <= 0.3, perElem)});
                }
            }
        }
        md.append('\n');
    }

    private void softmax() {
        md.append("## Softmax and cross-entropy (`SoftmaxBench`), µs per call\n\n")
                .append("`mnist`: 64 x 10 logits, `imagenet`: 64 x 1000, `channels`: softmax over dim 1 of ")
                .append("8 x 21 x 64 x 64 (inner 4096).\n\n")
                .append("| benchmark | shape | ours µs | ± | scalar ref µs | speed-up |\n|---|---|---|---|---|---|\n");
        for (String b : new String[] {"softmaxForwardBackward", "logSoftmax", "crossEntropyForwardBackward"}) {
            for (String shape : new String[] {"mnist", "imagenet", "channels"}) {
                perCall("SoftmaxBench." + b, b, shape);
            }
        }
        md.append('\n');
    }

    private void batchNorm() {
        md.append("## Batch norm (`BatchNormBench`), µs per call\n\n")
                .append("`mnist1`: 64 x 32 x 28 x 28, `mnist2`: 64 x 64 x 14 x 14, `resnet`: 32 x 64 x 56 x 56.\n\n")
                .append("| benchmark | shape | ours µs | ± | scalar ref µs | speed-up |\n|---|---|---|---|---|---|\n");
        for (String b : new String[] {"training", "eval", "backward"}) {
            for (String shape : new String[] {"mnist1", "mnist2", "resnet"}) {
                perCall("BatchNormBench." + b, b, shape);
            }
        }
        md.append('\n');
    }

    private void perCall(String bench, String label, String shape) {
        Map<String, String> simd = Map.of("shape", shape, "impl", "simd");
        double us = ns(bench, simd) / 1e3;
        double ref = ns(bench, Map.of("shape", shape, "impl", "scalar")) / 1e3;
        md.append("| ").append(label).append(" | ").append(shape).append(" | ").append(f1(us)).append(" | ")
                .append(pm(bench, simd)).append(" | ").append(f1(ref)).append(" | ").append(x(ref / us)).append(" |\n");
    }

    private void targetTable() {
        md.append("## Issue 4 targets, evaluated on this run\n\n| target | measured | verdict |\n|---|---|---|\n");
        for (String[] t : targets) {
            md.append("| ").append(t[0]).append(" | ").append(t[1]).append(" | ").append(t[2]).append(" |\n");
        }
        md.append("\nIssue 4 asks for each activation at or below PyTorch's figure. The issue's figures were ")
                .append("measured on another machine kind (on this one even a plain vector copy costs more than ")
                .append("their ReLU), so the targets above compare with PyTorch 1.13 measured on this machine ")
                .append("(`bench/pytorch_anchor.py`, Debian's build, one thread) in the same session.\n\n");
    }

    private void training(Path train) throws IOException {
        md.append("# MNIST CNN through the nn API (`TrainBench`)\n\n")
                .append("The seed's CNN (`Models.mnistCnn()`) at batch 64; one training step = forward + ")
                .append("cross-entropy + backward + Adam; inference = eval-mode forward. JMH throughput, ")
                .append("images per second.\n\n");
        if (!Files.exists(train)) {
            md.append("Not run (`").append(train.getFileName()).append("` missing).\n");
            return;
        }
        List<List<String>> recs = Report.csvRecords(Files.readString(train, StandardCharsets.UTF_8));
        List<String> h = recs.get(0);
        int iB = h.indexOf("Benchmark");
        int iS = h.indexOf("Score");
        int iE = h.indexOf("Score Error (99.9%)");
        int iT = h.indexOf("Param: threads");
        md.append("| benchmark | kernel threads | images/s | ± (99.9%) |\n|---|---|---|---|\n");
        for (int i = 1; i < recs.size(); i++) {
            List<String> r = recs.get(i);
            if (r.size() != h.size() || r.get(iB).contains(":")) {
                continue;
            }
            String name = r.get(iB).substring(r.get(iB).lastIndexOf('.') + 1);
            md.append("| ").append(name).append(" | ").append(iT >= 0 ? r.get(iT) : NA).append(" | ")
                    .append(fmt("%,.0f", Double.parseDouble(r.get(iS)))).append(" | ")
                    .append(fmt("%,.0f", Double.parseDouble(r.get(iE)))).append(" |\n");
        }
        md.append('\n');
    }

    // ---- lookup and formatting -----------------------------------------------------------------------------

    /** The values of one parameter of a benchmark, in the order of the results. */
    private List<String> paramValues(String bench, String param) {
        List<String> out = new ArrayList<>();
        for (Row r : rows) {
            String v = r.params().get(param);
            if (r.bench().equals(bench) && v != null && !out.contains(v)) {
                out.add(v);
            }
        }
        return out;
    }

    /** Nanoseconds per op of the row with exactly these parameters, NaN if absent. */
    private double ns(String bench, Map<String, String> params) {
        Row r = find(bench, params);
        return r == null ? Double.NaN : r.seconds() * 1e9;
    }

    private String pm(String bench, Map<String, String> params) {
        Row r = find(bench, params);
        return r == null ? NA : fmt("%.0f%%", 100 * r.errorSeconds() / r.seconds());
    }

    private Row find(String bench, Map<String, String> params) {
        for (Row r : rows) {
            if (r.bench().equals(bench) && matches(r.params(), params)) {
                return r;
            }
        }
        return null;
    }

    private static boolean matches(Map<String, String> have, Map<String, String> want) {
        Map<String, String> h = new HashMap<>(have);
        for (var e : want.entrySet()) {
            if (!e.getValue().equals(h.remove(e.getKey()))) {
                return false;
            }
        }
        return true;
    }

    private static String verdict(boolean met, double measured) {
        return Double.isNaN(measured) ? "not measured" : met ? "met" : "**missed**";
    }

    private static String x(double v) {
        return fmt("%.1f×", v);
    }
}
