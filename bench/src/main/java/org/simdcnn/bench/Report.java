package org.simdcnn.bench;

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
import org.simdcnn.bench.onnx.OrtModel;
import org.simdcnn.geometry.ConvGeometry;

/**
 * Turns JMH's results of one run into {@code RESULTS.md} (JSON, {@code -rf json}: each score the median of the
 * measurement iterations; or CSV, {@code -rf csv}: JMH's averages): the FMA peak of
 * the same run, then per conv shape our GFLOP/s, % of peak, ONNX Runtime's GFLOP/s and our ratio to it, the
 * speedup over the scalar reference, for 1 and 2 threads; conv backward; SGEMM; MNIST inference (ours, ORT); a check of
 * issue 3's targets; and issue 3's quoted figures (other machine) apart.
 *
 * <p>Usage: {@code java --add-modules jdk.incubator.vector -cp benchmarks.jar org.simdcnn.bench.Report
 * results.json|results.csv RESULTS.md [command that produced the results]}. Missing entries print as "–".
 */
public final class Report {
    private static final String PKG = "org.simdcnn.bench.";
    private static final String NA = "–";

    /** One CSV row: benchmark (short, e.g. {@code ConvBench.ours}), params, seconds per op, JMH threads. */
    record Row(String bench, Map<String, String> params, double seconds, double errorSeconds, int jmhThreads,
            int samples) {
    }

    private final List<Row> rows;
    private final StringBuilder md = new StringBuilder();
    /** Scores are medians of the measurement iterations (JSON results) rather than JMH's averages (CSV). */
    private boolean medians;

    Report(List<Row> rows) {
        this.rows = rows;
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 2) {
            System.err.println("usage: Report results.json|results.csv RESULTS.md [command]");
            System.exit(2);
        }
        Path csv = Path.of(args[0]);
        Path out = Path.of(args[1]);
        String command = args.length > 2 ? String.join(" ", List.of(args).subList(2, args.length)) : "(not given)";
        boolean json = csv.toString().endsWith(".json");
        String results = Files.readString(csv, StandardCharsets.UTF_8);
        List<Row> rows = json ? parseJson(results) : parse(results);
        Report r = new Report(rows);
        r.medians = json;
        Path torchCsv = (csv.getParent() == null ? Path.of(".") : csv.getParent()).resolve("results-pytorch-conv.csv");
        if (Files.exists(torchCsv)) {
            r.readTorch(Files.readString(torchCsv, StandardCharsets.UTF_8));
        }
        Path inter = (csv.getParent() == null ? Path.of(".") : csv.getParent()).resolve("results-interleaved.md");
        if (Files.exists(inter)) {
            r.interleaved = Files.readString(inter, StandardCharsets.UTF_8).strip();
            r.interleavedTime = Files.getLastModifiedTime(inter).toInstant().toString();
        }
        String text = r.render(csv, command);
        if (Files.exists(out)) { // keep the sections bench/run-elem.sh wrote (ElemReport)
            String old = Files.readString(out, StandardCharsets.UTF_8);
            int keep = old.indexOf(ElemReport.MARKER);
            if (keep >= 0) {
                text = text + "\n" + old.substring(keep);
            }
        }
        Files.writeString(out, text, StandardCharsets.UTF_8);
        System.out.println("wrote " + out + " from " + rows.size() + " results in " + csv);
    }

    // ---- CSV -----------------------------------------------------------------------------------------------

    /** Parses JMH's CSV (RFC 4180 quoting). */
    static List<Row> parse(String text) {
        List<List<String>> records = csvRecords(text);
        if (records.isEmpty()) {
            throw new IllegalArgumentException("results: empty CSV");
        }
        List<String> header = records.get(0);
        int iBench = column(header, "Benchmark");
        int iThreads = column(header, "Threads");
        int iScore = column(header, "Score");
        int iError = column(header, "Score Error (99.9%)");
        int iUnit = column(header, "Unit");
        int iSamples = column(header, "Samples");
        List<Row> rows = new ArrayList<>();
        for (int r = 1; r < records.size(); r++) {
            List<String> f = records.get(r);
            if (f.size() == 1 && f.get(0).isBlank()) {
                continue;
            }
            if (f.size() != header.size()) {
                throw new IllegalArgumentException("results: line " + (r + 1) + " has " + f.size()
                        + " fields, header has " + header.size());
            }
            String bench = f.get(iBench);
            if (bench.startsWith(PKG)) {
                bench = bench.substring(PKG.length());
            }
            String secondary = "";
            int colon = bench.indexOf(':');
            if (colon >= 0) { // secondary results of a profiler, e.g. ConvBench.ours:gc.alloc.rate.norm
                secondary = bench.substring(colon + 1).replace("\u00b7", "");
                bench = bench.substring(0, colon);
                if (!secondary.equals("gc.alloc.rate.norm")) {
                    continue;
                }
            }
            Map<String, String> params = new HashMap<>();
            for (int c = 0; c < header.size(); c++) {
                if (header.get(c).startsWith("Param: ") && !f.get(c).isEmpty()) {
                    params.put(header.get(c).substring("Param: ".length()), f.get(c));
                }
            }
            if (!secondary.isEmpty()) {
                bench = bench + ":" + secondary; // kept as is (B/op), looked up by allocBytes()
                rows.add(new Row(bench, params, parseDouble(f.get(iScore)), parseDouble(f.get(iError)),
                        Integer.parseInt(f.get(iThreads).trim()), Integer.parseInt(f.get(iSamples).trim())));
                continue;
            }
            double scale = unitSeconds(f.get(iUnit));
            double err = parseDouble(f.get(iError));
            rows.add(new Row(bench, params, parseDouble(f.get(iScore)) * scale, err * scale,
                    Integer.parseInt(f.get(iThreads).trim()), Integer.parseInt(f.get(iSamples).trim())));
        }
        return rows;
    }

    /**
     * Parses JMH's JSON results ({@code -rf json}, with the library's {@link org.simdcnn.io.Json}): the score of a
     * benchmark is the median of its measurement iterations' scores (all forks), which a noisy neighbour moves less
     * than their mean; the error stays JMH's 99.9% half-width of the mean. Secondary results other than {@code gc.alloc.rate.norm} are skipped.
     */
    @SuppressWarnings("unchecked")
    static List<Row> parseJson(String text) {
        if (!(org.simdcnn.io.Json.parse(text) instanceof List<?> list)) {
            throw new IllegalArgumentException("results: JSON is not an array of JMH results");
        }
        List<Row> rows = new ArrayList<>();
        for (Object o : list) {
            Map<String, Object> b = (Map<String, Object>) o;
            String bench = (String) b.get("benchmark");
            if (bench.startsWith(PKG)) {
                bench = bench.substring(PKG.length());
            }
            Map<String, String> params = new HashMap<>();
            if (b.get("params") instanceof Map<?, ?> pm) {
                pm.forEach((k, v) -> params.put((String) k, String.valueOf(v)));
            }
            int jmhThreads = ((Number) b.get("threads")).intValue();
            Map<String, Object> pr = (Map<String, Object>) b.get("primaryMetric");
            double[] raw = rawData(pr.get("rawData"));
            if (raw.length == 0) {
                throw new IllegalArgumentException("results: no measurement iterations for " + bench + " " + params);
            }
            double scale = unitSeconds((String) pr.get("scoreUnit"));
            rows.add(new Row(bench, params, median(raw) * scale, number(pr.get("scoreError")) * scale, jmhThreads,
                    raw.length));
            if (b.get("secondaryMetrics") instanceof Map<?, ?> sm) {
                for (Map.Entry<?, ?> e : sm.entrySet()) {
                    String name = ((String) e.getKey()).replace("\u00b7", "");
                    if (name.equals("gc.alloc.rate.norm")) {
                        Map<String, Object> g = (Map<String, Object>) e.getValue();
                        rows.add(new Row(bench + ":" + name, params, number(g.get("score")),
                                number(g.get("scoreError")), jmhThreads, rawData(g.get("rawData")).length));
                    }
                }
            }
        }
        return rows;
    }

    private static double[] rawData(Object o) {
        List<Double> v = new ArrayList<>();
        if (o instanceof List<?> forks) {
            for (Object f : forks) {
                if (f instanceof List<?> its) {
                    for (Object x : its) {
                        v.add(number(x));
                    }
                }
            }
        }
        return v.stream().mapToDouble(Double::doubleValue).toArray();
    }

    private static double number(Object o) {
        if (o instanceof Number d) {
            return d.doubleValue();
        }
        return o instanceof String t ? parseDouble(t) : Double.NaN; // JMH writes "NaN" as a string
    }

    static double median(double[] v) {
        double[] s = v.clone();
        java.util.Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    private static int column(List<String> header, String name) {
        int i = header.indexOf(name);
        if (i < 0) {
            throw new IllegalArgumentException("results: CSV has no column '" + name + "', header " + header);
        }
        return i;
    }

    private static double parseDouble(String s) {
        String t = s.trim();
        if (t.isEmpty() || t.equalsIgnoreCase("NaN")) {
            return Double.NaN;
        }
        return Double.parseDouble(t.replace(',', '.'));
    }

    private static double unitSeconds(String unit) {
        return switch (unit) {
            case "s/op" -> 1;
            case "ms/op" -> 1e-3;
            case "us/op" -> 1e-6;
            case "ns/op" -> 1e-9;
            default -> throw new IllegalArgumentException("results: unsupported unit '" + unit
                    + "' (run in average-time mode)");
        };
    }

    static List<List<String>> csvRecords(String text) {
        List<List<String>> out = new ArrayList<>();
        List<String> rec = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < text.length(); i++) {
            char ch = text.charAt(i);
            if (quoted) {
                if (ch == '"') {
                    if (i + 1 < text.length() && text.charAt(i + 1) == '"') {
                        cur.append('"');
                        i++;
                    } else {
                        quoted = false;
                    }
                } else {
                    cur.append(ch);
                }
            } else if (ch == '"') {
                quoted = true;
            } else if (ch == ',') {
                rec.add(cur.toString());
                cur.setLength(0);
            } else if (ch == '\n' || ch == '\r') {
                if (ch == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') {
                    i++;
                }
                rec.add(cur.toString());
                cur.setLength(0);
                if (!(rec.size() == 1 && rec.get(0).isEmpty())) {
                    out.add(rec);
                }
                rec = new ArrayList<>();
            } else {
                cur.append(ch);
            }
        }
        if (cur.length() > 0 || !rec.isEmpty()) {
            rec.add(cur.toString());
            out.add(rec);
        }
        return out;
    }

    // ---- lookups -------------------------------------------------------------------------------------------

    /**
     * Seconds per op of {@code bench} with exactly these params (key=value pairs), NaN when absent; for a
     * {@code bench:secondary} name, that secondary result's raw score.
     */
    double seconds(String bench, String... kv) {
        for (Row r : rows) {
            if (!r.bench().equals(bench)) {
                continue;
            }
            boolean match = true;
            for (int i = 0; i < kv.length; i += 2) {
                if (!kv[i + 1].equals(r.params().get(kv[i]))) {
                    match = false;
                    break;
                }
            }
            if (match) {
                return r.seconds();
            }
        }
        return Double.NaN;
    }

    /** JMH's 99.9% error of a primary result as a fraction of its score, NaN when absent. */
    double relError(String bench, String... kv) {
        for (Row r : rows) {
            if (!r.bench().equals(bench)) {
                continue;
            }
            boolean match = true;
            for (int i = 0; i < kv.length; i += 2) {
                if (!kv[i + 1].equals(r.params().get(kv[i]))) {
                    match = false;
                    break;
                }
            }
            if (match) {
                return r.errorSeconds() / r.seconds();
            }
        }
        return Double.NaN;
    }

    /** Bytes allocated per op from {@code -prof gc}, NaN when the profiler was not used. */
    double allocBytes(String bench, String... kv) {
        return seconds(bench + ":gc.alloc.rate.norm", kv);
    }

    /** The FMA peak of this run in GFLOP/s for 1 or 2 threads, NaN when not measured. */
    double peak(int threads) {
        double perCall = PeakFmaBench.flopsPerCall();
        if (threads == 1) {
            return perCall / seconds("PeakFmaBench.fma") * 1e-9;
        }
        return 2 * perCall / seconds("PeakFma2Bench.fma") * 1e-9;
    }

    double convGflops(String bench, String shape, int threads) {
        double s = bench.equals("ConvBench.scalar") ? seconds(bench, "shape", shape)
                : seconds(bench, "shape", shape, "threads", Integer.toString(threads));
        return ConvShape.of(shape).geometry().flops() / s * 1e-9;
    }

    // ---- rendering -----------------------------------------------------------------------------------------

    /** PyTorch's conv GFLOP/s on this machine ({@code pytorch_anchor.py conv}), by shape; may be empty. */
    private final Map<String, Double> torch = new HashMap<>();
    private String torchHeader = "";
    /** The table {@link InterleavedConv} printed in this run ({@code results-interleaved.md}), or null. */
    private String interleaved;
    private String interleavedTime = "";

    void readTorch(String text) {
        for (List<String> r : csvRecords(text)) {
            if (r.isEmpty()) {
                continue;
            }
            if (r.get(0).startsWith("#")) {
                torchHeader = r.get(0).substring(1).trim();
            } else if (r.size() >= 4 && r.get(0).equals("conv_forward")) {
                torch.put(r.get(1), Double.parseDouble(r.get(3)));
            }
        }
    }

    private double torch(String shape) {
        Double v = torch.get(shape);
        return v == null ? Double.NaN : v;
    }

    String render(Path csv, String command) {
        header(csv, command);
        double peak1 = peak(1);
        double peak2 = peak(2);
        md.append("## FMA peak, measured in this run\n\n")
                .append("Vector API, 16 independent FloatVector accumulators (`PeakFmaBench`, `PeakFma2Bench`).\n\n")
                .append("| threads | GFLOP/s |\n|---|---|\n")
                .append("| 1 | ").append(f1(peak1)).append(" |\n")
                .append("| 2 | ").append(f1(peak2)).append(" |\n\n");
        convForward(1, peak1);
        pytorch(peak1);
        interleaved();
        convForward(2, peak2);
        convBackward();
        gemm(peak1, peak2);
        mnist();
        targets(peak1, peak2);
        quoted();
        return md.toString();
    }

    private void header(Path csv, String command) {
        md.append("# simdcnn benchmark results: convolution and SGEMM\n\n");
        int minSamples = rows.stream().mapToInt(Row::samples).min().orElse(0);
        if (minSamples < 3) {
            md.append("> **Smoke run, not a measurement**: some benchmarks have only ").append(minSamples)
                    .append(" measurement sample(s). Use the figures to check the pipeline, not to compare.\n\n");
        }
        md.append("All figures below come from one run of the command shown, on this machine; ONNX Runtime was ")
                .append("measured in the same run on the same data (same input, weights and bias, output checked ")
                .append("against an independent direct convolution at setup). Score = ")
                .append(medians ? "median, over the measurement iterations, of JMH's average time per call in "
                        + "each iteration (a median moves less than the mean when a neighbour steals the core for "
                        + "a while)" : "JMH average time per call")
                .append("; GFLOP/s = flops / time with flops = 2·N·Cout·outSpatial·(Cin/groups)·kernelVolume ")
                .append("(the direct convolution's count, for every algorithm: the 3x3 stride-1 shapes with 16+ ")
                .append("channels run on Winograd F(2x2, 3x3), which performs 16/36 of those multiplications, and ")
                .append("conv1d_text on F(2, 3), 4/6 of them, so their figures can exceed the FMA peak). ")
                .append("“±” = JMH's 99.9% confidence half-width relative to the score. ")
                .append("“–” = not in the results (filtered out, or the benchmark failed: see `results.log`).\n\n");
        md.append("- Machine: ").append(cpuModel()).append(", ").append(Runtime.getRuntime().availableProcessors())
                .append(" CPUs available to the JVM").append(avx512() ? ", AVX-512" : "").append('\n');
        md.append("- JDK: ").append(Runtime.version()).append(" (").append(System.getProperty("java.vm.name"))
                .append(")\n");
        String info;
        try {
            SimdCnn.Info i = SimdCnn.info();
            info = "simdcnn backend " + i.backend() + ", " + i.vectorBits() + "-bit vectors (" + i.floatLanes()
                    + " float lanes) as selected in the report's JVM (same flags as the forks): " + i.reason();
        } catch (RuntimeException | LinkageError e) {
            info = "unavailable (" + e + ")";
        }
        md.append("- Library: ").append(info).append('\n');
        String ort;
        try {
            ort = OrtModel.version();
        } catch (RuntimeException | LinkageError e) {
            ort = "unavailable (" + e + ")";
        }
        md.append("- ONNX Runtime: ").append(ort).append(" (Java API, CPU; intraOpNumThreads = threads, ")
                .append("interOpNumThreads = 1, sequential, ALL_OPT)\n");
        md.append("- Date: ").append(ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ISO_INSTANT))
                .append(" (report written; results from `").append(csv.getFileName()).append("`)\n");
        md.append("- Load average when the report was written: ").append(loadAvg()).append('\n');
        md.append("- Command: `").append(command).append("`\n\n");
    }

    private void convForward(int threads, double peak) {
        String t = Integer.toString(threads);
        md.append("## Convolution forward, ").append(threads).append(threads == 1 ? " thread" : " threads")
                .append("\n\n");
        if (threads == 1) {
            md.append("`ours` packs the weights inside every call; `packed` runs on weights packed once at setup ")
                    .append("(`Conv.pack`, as the `nn` conv layers do in eval mode), as ONNX Runtime packs them ")
                    .append("once at session creation: `packed / ORT` is the like-for-like ratio.\n\n");
            md.append("| shape | problem | MFLOP | ours GFLOP/s | ± | % of peak | packed GFLOP/s | ± | % of peak ")
                    .append("| ORT GFLOP/s | ± | ours / ORT | packed / ORT | scalar GFLOP/s | ours / scalar ")
                    .append("| ours B/op |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        } else {
            md.append("| shape | ours GFLOP/s | ± | % of 2-core peak | packed GFLOP/s | ± | % of 2-core peak ")
                    .append("| ORT GFLOP/s | ± | ours / ORT | packed / ORT | ours 2T / 1T | packed 2T / 1T ")
                    .append("| ORT 2T / 1T | ours B/op |\n")
                    .append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        }
        for (ConvShape s : ConvShape.values()) {
            ConvGeometry g = s.geometry();
            double ours = convGflops("ConvBench.ours", s.label, threads);
            double packed = convGflops("ConvBench.oursPacked", s.label, threads);
            double ort = convGflops("ConvBench.ort", s.label, threads);
            md.append("| ").append(s.label).append(" | ");
            if (threads == 1) {
                md.append('`').append(g.name()).append("` | ").append(f1(g.flops() * 1e-6)).append(" | ");
            }
            md.append(f1(ours)).append(" | ")
                    .append(pct(relError("ConvBench.ours", "shape", s.label, "threads", t))).append(" | ")
                    .append(pct(ours / peak)).append(" | ").append(f1(packed)).append(" | ")
                    .append(pct(relError("ConvBench.oursPacked", "shape", s.label, "threads", t))).append(" | ")
                    .append(pct(packed / peak)).append(" | ").append(f1(ort)).append(" | ")
                    .append(pct(relError("ConvBench.ort", "shape", s.label, "threads", t))).append(" | ")
                    .append(ratio(ours / ort)).append(" | ").append(ratio(packed / ort)).append(" | ");
            if (threads == 1) {
                double scalar = convGflops("ConvBench.scalar", s.label, 1);
                md.append(f2(scalar)).append(" | ").append(ratio(ours / scalar)).append(" | ");
            } else {
                md.append(ratio(ours / convGflops("ConvBench.ours", s.label, 1))).append(" | ")
                        .append(ratio(packed / convGflops("ConvBench.oursPacked", s.label, 1))).append(" | ")
                        .append(ratio(ort / convGflops("ConvBench.ort", s.label, 1))).append(" | ");
            }
            md.append(f0(allocBytes("ConvBench.ours", "shape", s.label, "threads", t))).append(" |\n");
        }
        md.append('\n');
    }

    private void interleaved() {
        md.append("## ONNX Runtime and ours interleaved in one JVM, 1 thread\n\n");
        if (interleaved == null || !interleaved.startsWith("|")) {
            md.append("Not run (`results-interleaved.md` missing: `bench/run.sh` writes it with `InterleavedConv`).\n\n");
            return;
        }
        md.append("`InterleavedConv 40` right after the JMH run (file written ").append(interleavedTime)
                .append("): our prepacked forward and ONNX Runtime's session on the same data, alternating batches ")
                .append("of about 10 ms of calls for 40 rounds (who goes first alternates), with `PeakFmaBench.fma` ")
                .append("timed once per round; every call is timed, GFLOP/s of the median and of the best call. JMH ")
                .append("runs each benchmark in its own fork minutes apart, so a neighbour on the shared cores can ")
                .append("slow one side only; here a disturbance reaches both sides within the same round. Not JMH: ")
                .append("the first call of each batch runs after the other side has used the caches.\n\n")
                .append(interleaved).append("\n\n");
    }

    private void pytorch(double peak) {
        md.append("## PyTorch on this machine, 1 thread\n\n");
        if (torch.isEmpty()) {
            md.append("Not run (`results-pytorch-conv.csv` missing: `bench/run.sh` runs `bench/pytorch_anchor.py` ")
                    .append("when `/usr/bin/python3`, or `$PYTHON`, has PyTorch).\n\n");
            return;
        }
        md.append("`bench/pytorch_anchor.py conv` right after the JMH run (").append(torchHeader)
                .append("; Debian's build with oneDNN; `F.conv2d` etc. under `no_grad`, median of 15 batches of ")
                .append("calls): the second anchor of issue 3, measured here instead of quoted.\n\n")
                .append("| shape | PyTorch GFLOP/s | % of peak | ours packed GFLOP/s | packed / PyTorch | ORT GFLOP/s |\n")
                .append("|---|---|---|---|---|---|\n");
        for (ConvShape s : ConvShape.values()) {
            double pt = torch(s.label);
            double packed = convGflops("ConvBench.oursPacked", s.label, 1);
            md.append("| ").append(s.label).append(" | ").append(f1(pt)).append(" | ").append(pct(pt / peak))
                    .append(" | ").append(f1(packed)).append(" | ").append(ratio(packed / pt)).append(" | ")
                    .append(f1(convGflops("ConvBench.ort", s.label, 1))).append(" |\n");
        }
        md.append('\n');
    }

    private void convBackward() {
        md.append("## Convolution backward (ours)\n\n")
                .append("Each gradient has the forward's flop count. % of fwd = gradient GFLOP/s / the faster ")
                .append("forward GFLOP/s (weights plain or prepacked; same shape and threads). B/op from `-prof gc` ")
                .append("(grad input / grad weight).\n\n")
                .append("| shape | threads | forward GFLOP/s (plain / prepacked) | grad input GFLOP/s | % of fwd ")
                .append("| grad weight GFLOP/s | % of fwd | B/op |\n|---|---|---|---|---|---|---|---|\n");
        for (String shape : BACKWARD_SHAPES) {
            double fl = ConvShape.of(shape).geometry().flops();
            for (int threads = 1; threads <= 2; threads++) {
                String t = Integer.toString(threads);
                double plain = convGflops("ConvBench.ours", shape, threads);
                double packed = convGflops("ConvBench.oursPacked", shape, threads);
                double fwd = Math.max(plain, packed);
                double gi = fl / seconds("ConvBackwardBench.gradInput", "shape", shape, "threads", t) * 1e-9;
                double gw = fl / seconds("ConvBackwardBench.gradWeight", "shape", shape, "threads", t) * 1e-9;
                md.append("| ").append(shape).append(" | ").append(threads).append(" | ").append(f1(plain))
                        .append(" / ").append(f1(packed))
                        .append(" | ").append(f1(gi)).append(" | ").append(pct(gi / fwd)).append(" | ")
                        .append(f1(gw)).append(" | ").append(pct(gw / fwd)).append(" | ")
                        .append(f0(allocBytes("ConvBackwardBench.gradInput", "shape", shape, "threads", t)))
                        .append(" / ")
                        .append(f0(allocBytes("ConvBackwardBench.gradWeight", "shape", shape, "threads", t)))
                        .append(" |\n");
            }
        }
        md.append('\n');
    }

    /** The shapes of {@code ConvBackwardBench}. */
    static final String[] BACKWARD_SHAPES = {"mnist_c2", "resnet_3x3_56", "resnet_3x3_28", "conv3d_small"};

    private void gemm(double peak1, double peak2) {
        md.append("## SGEMM (ours)\n\n")
                .append("`C = op(A)·op(B)`, beta = 0, row-major. The conv-derived shapes are the per-image GEMMs ")
                .append("of the im2col path (`_dw`: grad weight A·Bᵀ, `_dx`: grad input Aᵀ·B).\n\n")
                .append("| shape | problem | 1T GFLOP/s | % of peak | 2T GFLOP/s | % of 2-core peak | 2T / 1T |\n")
                .append("|---|---|---|---|---|---|---|\n");
        for (SgemmBench.Shape s : SgemmBench.Shape.values()) {
            double g1 = s.flops() / seconds("SgemmBench.sgemm", "shape", s.label, "threads", "1") * 1e-9;
            double g2 = s.flops() / seconds("SgemmBench.sgemm", "shape", s.label, "threads", "2") * 1e-9;
            md.append("| ").append(s.label).append(" | `").append(s.descriptor()).append("` | ").append(f1(g1))
                    .append(" | ").append(pct(g1 / peak1)).append(" | ").append(f1(g2)).append(" | ")
                    .append(pct(g2 / peak2)).append(" | ").append(ratio(g2 / g1)).append(" |\n");
        }
        md.append('\n');
    }

    private void mnist() {
        md.append("## MNIST CNN inference, batch 64\n\n")
                .append("Conv-Relu-MaxPool-Conv-Relu-MaxPool-Flatten-Gemm-Relu-Gemm, same weights and input ")
                .append("(`MnistInferenceBench`): `ours` calls the library's kernels directly (fused ReLU, ")
                .append("preallocated buffers), `ort` runs the same graph in ONNX Runtime. GFLOP/s counts the two ")
                .append("convolutions and two linear layers.\n\n")
                .append("| threads | ours ms / batch | ours images/s | ours GFLOP/s | ORT ms / batch | ORT images/s ")
                .append("| ORT GFLOP/s | ours / ORT |\n|---|---|---|---|---|---|---|---|\n");
        for (int threads = 1; threads <= 2; threads++) {
            String t = Integer.toString(threads);
            double so = seconds("MnistInferenceBench.ours", "threads", t);
            double sr = seconds("MnistInferenceBench.ort", "threads", t);
            md.append("| ").append(threads).append(" | ").append(f3(so * 1e3)).append(" | ")
                    .append(f0(MnistInferenceBench.BATCH / so)).append(" | ")
                    .append(f1(MnistInferenceBench.FLOPS / so * 1e-9)).append(" | ").append(f3(sr * 1e3))
                    .append(" | ").append(f0(MnistInferenceBench.BATCH / sr)).append(" | ")
                    .append(f1(MnistInferenceBench.FLOPS / sr * 1e-9)).append(" | ").append(ratio(sr / so))
                    .append(" |\n");
        }
        md.append('\n');
    }

    private void targets(double peak1, double peak2) {
        md.append("## Issue 3 targets, evaluated on this run\n\n| target | measured | verdict |\n|---|---|---|\n");
        double g1024 = SgemmBench.Shape.SQ1024.flops() / seconds("SgemmBench.sgemm", "shape", "sq1024", "threads",
                "1") * 1e-9;
        target("SGEMM 1024³ ≥ 90% of peak (1T)", pct(g1024 / peak1), g1024 / peak1 >= 0.90, g1024 / peak1);
        // ORT prepacks its weights at session creation: the like-for-like figure is ours on prepacked weights.
        String conv = "ConvBench.oursPacked";
        for (ConvShape s : ConvShape.values()) {
            double r = convGflops(conv, s.label, 1) / convGflops("ConvBench.ort", s.label, 1);
            target(s.label + " ≥ 1.0× ORT (1T, prepacked)", ratio(r), r >= 1.0, r);
        }
        if (!torch.isEmpty()) {
            for (ConvShape s : ConvShape.values()) {
                double best = Math.max(torch(s.label), convGflops("ConvBench.ort", s.label, 1));
                double ours = convGflops(conv, s.label, 1);
                target(s.label + " ≥ the better anchor measured here, max(PyTorch, ORT) (1T, prepacked)",
                        f1(ours) + " vs " + f1(best) + " GFLOP/s", ours >= best, ours / best);
            }
        }
        for (String shape : new String[] {"resnet_3x3_56", "resnet_3x3_28", "resnet_3x3_14"}) {
            // These shapes run on the Winograd F(2x2, 3x3) path (unless -Dsimdcnn.winograd=false): GFLOP/s count
            // the direct convolution's flops, as the anchors' figures do, while the path performs 16/36 of them.
            double p = convGflops(conv, shape, 1) / peak1;
            target(shape + " ≥ 93% of peak (1T, prepacked; direct-equivalent flops)", pct(p)
                    + " (the Winograd path performs 16/36 of these multiplications: " + pct(p * 16 / 36)
                    + " of peak in FMAs performed)", p >= 0.93, p);
        }
        for (String shape : new String[] {"mnist_c2", "resnet_3x3_56", "resnet_3x3_28", "resnet_3x3_14",
                "resnet_1x1_56", "resnet_stem"}) {
            double r = convGflops(conv, shape, 2) / convGflops(conv, shape, 1);
            target(shape + " 2T ≥ 1.85× 1T (prepacked)", ratio(r), r >= 1.85, r);
        }
        for (String shape : new String[] {"mnist_c2", "resnet_3x3_28"}) {
            double fl = ConvShape.of(shape).geometry().flops();
            // against the faster forward (plain or prepacked weights): the stricter reading
            double fwd = Math.max(convGflops("ConvBench.ours", shape, 1), convGflops("ConvBench.oursPacked", shape, 1));
            double gi = fl / seconds("ConvBackwardBench.gradInput", "shape", shape, "threads", "1") * 1e-9 / fwd;
            double gw = fl / seconds("ConvBackwardBench.gradWeight", "shape", shape, "threads", "1") * 1e-9 / fwd;
            target(shape + " grad input ≥ 80% of fwd (1T)", pct(gi), gi >= 0.8, gi);
            target(shape + " grad weight ≥ 80% of fwd (1T)", pct(gw), gw >= 0.8, gw);
        }
        md.append('\n');
    }

    private void target(String what, String measured, boolean met, double value) {
        md.append("| ").append(what).append(" | ").append(measured).append(" | ")
                .append(Double.isNaN(value) ? "not measured" : met ? "met" : "**missed**").append(" |\n");
    }

    private void quoted() {
        md.append("## Quoted, other machine (not comparable with the tables above)\n\n")
                .append("Issue 3's anchors, measured on an AMD EPYC Zen 5 machine (2 cores, AVX-512, JDK 25), ")
                .append("one thread, GFLOP/s. There the FMA peak was 217.7 (1 core) / 416.7 (2 cores) and OpenBLAS ")
                .append("SGEMM 1024³ 186.3 / 311.6. Ratios in this report use only figures from the same run.\n\n")
                .append("| shape | PyTorch 1.13 (oneDNN), tuned | ONNX Runtime 1.22 |\n|---|---|---|\n")
                .append("| mnist_c1 | 66.7 | 66.5 |\n| mnist_c2 | 183.1 | 185.3 |\n")
                .append("| resnet_3x3_56 | 184.0 | 201.3 |\n| resnet_3x3_28 | 183.1 | 202.2 |\n")
                .append("| resnet_3x3_14 | 167.6 | 210.8 |\n| resnet_1x1_56 | 170.7 | 154.5 |\n")
                .append("| resnet_stem | 170.7 | 181.2 |\n| depthwise_3x3_56 | 34.6 | 37.8 |\n")
                .append("| conv1d_text | 169.2 | 160.8 |\n| conv3d_small | 190.9 | 98.7 |\n");
    }

    // ---- machine facts and formatting ----------------------------------------------------------------------

    static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException | RuntimeException e) {
            return "unknown CPU (" + e.getMessage() + ")";
        }
        return "unknown CPU";
    }

    static boolean avx512() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("flags")) {
                    return line.contains(" avx512f");
                }
            }
        } catch (IOException | RuntimeException e) {
            return false;
        }
        return false;
    }

    static String loadAvg() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    static String fmt(String f, double v) {
        return Double.isNaN(v) || Double.isInfinite(v) ? NA : String.format(Locale.ROOT, f, v);
    }

    static String f0(double v) {
        return fmt("%.0f", v);
    }

    static String f1(double v) {
        return fmt("%.1f", v);
    }

    static String f2(double v) {
        return fmt("%.2f", v);
    }

    static String f3(double v) {
        return fmt("%.3f", v);
    }

    static String pct(double v) {
        return fmt("%.1f%%", v * 100);
    }

    static String ratio(double v) {
        return fmt("%.2f×", v);
    }
}
