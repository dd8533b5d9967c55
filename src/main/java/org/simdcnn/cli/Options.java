package org.simdcnn.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The parsed options of one command: {@code --name value} pairs and {@code --flag}s (also {@code --name=value}).
 * Unknown, repeated or malformed options are {@link UsageException}s naming the option.
 */
final class Options {
    private final String command;
    private final Map<String, String> values = new LinkedHashMap<>();

    private Options(String command) {
        this.command = command;
    }

    /**
     * Parses {@code args} for {@code command}: {@code valued} options take a value, {@code flags} take none.
     */
    static Options parse(String command, List<String> args, Set<String> valued, Set<String> flags) {
        Options o = new Options(command);
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (!a.startsWith("--") || a.length() == 2) {
                throw new UsageException(command + ": unexpected argument '" + a + "' (options start with --)");
            }
            String name = a.substring(2);
            String value = null;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            if (flags.contains(name)) {
                if (value != null) {
                    throw new UsageException(command + ": option --" + name + " takes no value");
                }
                value = "true";
            } else if (valued.contains(name)) {
                if (value == null) {
                    if (i + 1 >= args.size() || args.get(i + 1).startsWith("--")) {
                        throw new UsageException(command + ": option --" + name + " needs a value");
                    }
                    value = args.get(++i);
                }
            } else {
                throw new UsageException(command + ": unknown option --" + name);
            }
            if (o.values.put(name, value) != null) {
                throw new UsageException(command + ": option --" + name + " given twice");
            }
        }
        return o;
    }

    boolean has(String name) {
        return values.containsKey(name);
    }

    String string(String name, String fallback) {
        return values.getOrDefault(name, fallback);
    }

    Path path(String name, Path fallback) {
        String v = values.get(name);
        if (v == null) {
            return fallback;
        }
        if (v.isBlank()) {
            throw new UsageException(command + ": --" + name + " needs a non-empty path");
        }
        try {
            return Path.of(v);
        } catch (RuntimeException e) {
            throw new UsageException(command + ": --" + name + ": invalid path '" + v + "'");
        }
    }

    int integer(String name, int fallback, int min, int max) {
        String v = values.get(name);
        if (v == null) {
            return fallback;
        }
        int n;
        try {
            n = Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new UsageException(command + ": --" + name + " must be a whole number, got '" + v + "'");
        }
        if (n < min || n > max) {
            throw new UsageException(command + ": --" + name + " must be in " + min + ".." + max + ", got " + n);
        }
        return n;
    }

    long longValue(String name, long fallback) {
        String v = values.get(name);
        if (v == null) {
            return fallback;
        }
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new UsageException(command + ": --" + name + " must be a whole number, got '" + v + "'");
        }
    }

    float positiveFloat(String name, float fallback, float max) {
        String v = values.get(name);
        if (v == null) {
            return fallback;
        }
        float f;
        try {
            f = Float.parseFloat(v.trim());
        } catch (NumberFormatException e) {
            throw new UsageException(command + ": --" + name + " must be a number, got '" + v + "'");
        }
        if (!(f > 0 && f <= max)) {
            throw new UsageException(command + ": --" + name + " must be > 0 and <= " + max + ", got " + v);
        }
        return f;
    }
}
